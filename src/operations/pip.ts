// pip: the guide's `pip install ovs` for the OVS Python bindings.
import * as z from 'zod';
import { defineFact } from '../facts/fact.js';
import { Resource } from '../facts/resources.js';
import { quoteAll } from '../shell/quote.js';
import { sh } from '../shell/command.js';
import { defineModule, noChange } from './module.js';

export function pipInstalled(packages: readonly string[]) {
  return defineFact(
    `pip.installed:${packages.join(',')}`,
    `python3 -m pip list --format=freeze --disable-pip-version-check`,
    (out, rc) => {
      const have = new Set(rc === 0 ? out.split('\n').map((l) => l.split('==')[0].trim().toLowerCase()) : []);
      return Object.fromEntries(packages.map((p) => [p, have.has(p.toLowerCase())]));
    },
    { reads: [Resource.files] },
  );
}

export const pip = defineModule({
  name: 'pip',
  args: z
    .object({
      packages: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)).min(1),
      state: z.enum(['present', 'absent']).default('present'),
    })
    .strict(),
  facts: ({ packages }) => [pipInstalled(packages)],
  plan({ packages, state }, facts) {
    const have = facts(pipInstalled(packages));
    if (state === 'absent') {
      const present = packages.filter((p) => have[p]);
      if (present.length === 0) return noChange(`${packages.join(' ')} not installed`);
      return {
        commands: [sh`python3 -m pip uninstall -y -q --disable-pip-version-check ${present}`],
        msg: `pip uninstall ${quoteAll(present)}`,
      };
    }
    const missing = packages.filter((p) => !have[p]);
    if (missing.length === 0) return noChange(`${packages.join(' ')} installed`);
    return {
      commands: [sh`python3 -m pip install --disable-pip-version-check -q ${missing}`],
      msg: `pip install ${quoteAll(missing)}`,
    };
  },
});
