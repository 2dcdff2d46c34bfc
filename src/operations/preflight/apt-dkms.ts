// Preflight, packages.datapath: dkms: the datapath package has a candidate in the sources the run
// would use, and so do the headers of the running kernel (dkms builds the module against them).
// Neither is in Debian 12's or current Ubuntu's archive for every kernel: this says so before any change.
import * as z from 'zod';
import type { AptProbe } from '../../facts/preflight-apt.js';
import type { Inventory } from '../../inventory/types.js';
import { defineModule } from '../module.js';
import { probeFacts, probeOf, skippedPlan, sourcesText } from './apt-probe.js';
import { fail, pass, verdictPlan, type Verdict } from './verdict.js';

/** The package of playbooks/ovs.yaml's dkms task (its apt task installs it; this check names it). */
export const DKMS_PACKAGE = 'openvswitch-datapath-dkms';

const KERNEL_FIX = 'set packages.datapath: kernel (the openvswitch module of the running kernel)';

export function dkmsVerdicts(host: string, probe: AptProbe, inv: Inventory): Verdict[] {
  const sources = sourcesText(inv, probe.codename);
  const out: Verdict[] = [];
  const dkms = probe.policy[DKMS_PACKAGE];
  if (!dkms?.candidate && !probe.installed[DKMS_PACKAGE]) {
    out.push(fail(`${DKMS_PACKAGE} has no candidate on ${host} in ${sources}`, KERNEL_FIX));
  }
  const headers = `linux-headers-${probe.kernel}`;
  const h = probe.policy[headers];
  if (!h?.installed && !h?.candidate) {
    out.push(
      fail(
        `no ${headers} (the running kernel's headers) on ${host}, installed or in ${sources}`,
        `install the headers of that kernel from where the kernel came from, or ${KERNEL_FIX}`,
      ),
    );
  }
  if (out.length > 0) return out;
  const hv = h?.installed ? `${headers} installed` : `${headers} ${h?.candidate}`;
  return [pass(`${DKMS_PACKAGE} ${dkms?.candidate ?? probe.installed[DKMS_PACKAGE]}, ${hv}`)];
}

export const preflightAptDkms = defineModule({
  name: 'preflight_apt_dkms',
  args: z.object({}).strict(),
  facts: (_a, ctx) => probeFacts(ctx),
  plan(_a, facts, ctx) {
    if (ctx.inventory.packages.datapath !== 'dkms') return { commands: [], skip: 'packages.datapath is not dkms' };
    const probe = facts(probeOf(ctx));
    return skippedPlan(probe) ?? verdictPlan(dkmsVerdicts(ctx.host.name, probe, ctx.inventory));
  },
});
