// Preflight: every package the run would install has a candidate in the sources the run would use
// (the host's own plus the one apt_repository adds), and apt-get update over them works - found in a
// throwaway apt directory on the host (src/facts/preflight-apt.ts), so the host's apt state is untouched.
import * as z from 'zod';
import type { AptProbe } from '../../facts/preflight-apt.js';
import type { Inventory } from '../../inventory/types.js';
import { defineModule } from '../module.js';
import { DKMS_PACKAGE } from './apt-dkms.js';
import { probeFacts, probeOf, skippedPlan, sourcesText } from './apt-probe.js';
import { fail, pass, verdictPlan, type Verdict } from './verdict.js';

export function candidateVerdicts(
  host: string,
  installs: readonly string[],
  probe: AptProbe,
  inv: Inventory,
): Verdict[] {
  const sources = sourcesText(inv, probe.codename);
  const out: Verdict[] = [];
  // apt's own summary line says nothing the lines before it do not.
  const errors = probe.update.errors.filter((e) => !e.startsWith('W:') && !/Some index files failed/.test(e));
  if (probe.update.rc !== 0 || errors.length > 0) {
    out.push(
      fail(
        `apt-get update over ${sources} fails on ${host}: ${errors.join(' ') || `exit status ${probe.update.rc}`}`,
        'fix the failing source: the package source (packages.source) or a broken entry in /etc/apt/sources.list*',
      ),
    );
  }
  // The dkms datapath has a check of its own (apt-dkms.ts), with its own fix; an installed package stays.
  const checked = installs.filter((p) => p !== DKMS_PACKAGE && !probe.installed[p]);
  const none = checked.filter((p) => !probe.policy[p]?.candidate);
  if (none.length > 0) {
    out.push(
      fail(
        `no candidate for ${none.join(', ')} on ${host} in ${sources}`,
        inv.packages.source.kind === 'distro'
          ? `${host}'s release does not ship them: set packages.source to a mirror {url, key, suite} that has them`
          : 'use a package source that has them for this release (packages.source: distro, or another mirror/suite)',
      ),
    );
  }
  if (out.length > 0) return out;
  const found = checked.map((p) => `${p} ${probe.policy[p].candidate}`).join(', ');
  return [pass(`every package has a candidate in ${sources}: ${found}`)];
}

export const preflightAptCandidates = defineModule({
  name: 'preflight_apt_candidates',
  args: z.object({}).strict(),
  facts: (_a, ctx) => probeFacts(ctx),
  plan(_a, facts, ctx) {
    const probe = facts(probeOf(ctx));
    return (
      skippedPlan(probe) ?? verdictPlan(candidateVerdicts(ctx.host.name, ctx.installs ?? [], probe, ctx.inventory))
    );
  },
});
