// Preflight: a package the run would install is installed already from another source than the ones
// the run uses (an Open vSwitch from elsewhere). The apt tasks leave an installed package as it is and
// install the rest from the run's source: OVN next to an OVS of another version. dpkg's installed
// version is compared with what the run's sources give.
import * as z from 'zod';
import { archiveSources, type AptProbe } from '../../facts/preflight-apt.js';
import type { Inventory } from '../../inventory/types.js';
import { defineModule } from '../module.js';
import { probeFacts, probeOf, skippedPlan, sourcesText } from './apt-probe.js';
import { fail, pass, verdictPlan, type Verdict } from './verdict.js';

export function originVerdicts(host: string, installs: readonly string[], probe: AptProbe, inv: Inventory): Verdict[] {
  const strays: string[] = [];
  for (const p of installs) {
    const pol = probe.policy[p];
    const installed = probe.installed[p] ?? pol?.installed;
    if (!installed || !pol) continue;
    // What the run's sources give: the newest version some source has (dpkg's own record is no source).
    const given = pol.versions.find((v) => archiveSources(v).length > 0)?.version;
    const fromRunSources = pol.versions.some((v) => v.version === installed && archiveSources(v).length > 0);
    if (given && !fromRunSources && given !== installed) strays.push(`${p} ${installed} (the sources give ${given})`);
  }
  const names = strays.map((s) => s.split(' ')[0]).join(' ');
  if (strays.length > 0) {
    return [
      fail(
        `${host} has ${strays.join(', ')} installed from another source than ${sourcesText(inv, probe.codename)}: ` +
          "the install would keep it and add the rest from the run's source, a version mismatch",
        `remove it first (apt-get purge ${names}), or set packages.source to the source it came from`,
      ),
    ];
  }
  const present = installs.filter((p) => probe.installed[p]);
  return [pass(present.length ? `installed from the run's sources: ${present.join(', ')}` : 'none installed yet')];
}

export const preflightAptOrigin = defineModule({
  name: 'preflight_apt_origin',
  args: z.object({}).strict(),
  facts: (_a, ctx) => probeFacts(ctx),
  plan(_a, facts, ctx) {
    const probe = facts(probeOf(ctx));
    return skippedPlan(probe) ?? verdictPlan(originVerdicts(ctx.host.name, ctx.installs ?? [], probe, ctx.inventory));
  },
});
