// What a run would install on a host, read from the playbook itself (its `apt` tasks that would run
// there: `when` true, selected by --tags), so the preflight checks and the playbooks never keep two
// lists of packages.
import { aptPackages } from '../operations/apt.js';
import type { Playbook } from './types.js';

/** `selected`: whether --tags/--skip-tags leave in a task of these tags (RunContext's tagsMatch). */
export function aptInstalls(pb: Playbook, host: string, selected: (tags: string[]) => boolean): string[] {
  const out = new Set<string>();
  for (const play of pb.plays) {
    if (!play.targets.includes(host)) continue;
    for (const t of play.tasks) {
      const prep = t.prepared.get(host);
      if (t.module !== aptPackages || !prep?.run || !selected([...play.tags, ...t.tags])) continue;
      const args = prep.args as { packages: string[]; state: string };
      if (args.state === 'present') for (const p of args.packages) out.add(p);
    }
  }
  return [...out].sort();
}
