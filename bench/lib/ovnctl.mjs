// The ovnctl side: `ovnctl install --json` of this checkout (bin/ovnctl.js, built into dist/), timed,
// with its peak RSS and the per-host task durations of its NDJSON events.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, timed } from './process.mjs';

/** bin: the launcher of the measured build (bench/lib/snapshot.mjs). */
export async function runOvnctl({ bin, inventory, work, forks, label, nodeArgs = [] }) {
  const out = join(work, `${label}.ndjson`);
  const r = await timed(
    process.execPath,
    [...nodeArgs, bin, 'install', '-i', inventory, '--json', '-f', String(forks)],
    {
      env: cleanEnv(),
      out,
      log: join(work, `${label}.log`),
      cwd: work,
    },
  );
  const events = readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const tasks = events.filter((e) => e.type === 'task');
  return { ...r, tasks, recap: events.find((e) => e.type === 'recap') };
}
