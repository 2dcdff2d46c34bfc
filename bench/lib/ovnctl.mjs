// The ovnctl side: `ovnctl install --json` of this checkout (bin/ovnctl.js, built into dist/), timed,
// with its peak RSS and the per-host task durations of its NDJSON events.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, timed } from './process.mjs';

/** The preload that counts ssh2 connects and exec channels per host (PROFILE.md §2). */
export const ROUND_TRIP_COUNTER = fileURLToPath(new URL('../tools/count-round-trips.cjs', import.meta.url));

/** bin: the launcher of the measured build (bench/lib/snapshot.mjs). */
export async function runOvnctl({ bin, inventory, work, forks, label, nodeArgs = [], env = {}, args = ['install'] }) {
  const out = join(work, `${label}.ndjson`);
  const r = await timed(process.execPath, [...nodeArgs, bin, ...args, '-i', inventory, '--json', '-f', String(forks)], {
    env: { ...cleanEnv(), ...env },
    out,
    log: join(work, `${label}.log`),
    cwd: work,
  });
  // `facts --json` prints one JSON document, not events.
  if (args[0] === 'facts') return { ...r, tasks: [], recap: null };
  const events = readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const tasks = events.filter((e) => e.type === 'task');
  return { ...r, tasks, recap: events.find((e) => e.type === 'recap') };
}

/**
 * A run under the round-trip counter (not a timed figure: the preload is not part of ovnctl).
 * roundTrips: {"<address>": {connects, execs}} for every host ssh2 dialled, or null when none was written.
 * commandsDir: each host's batched read of this run, <address>.sh (bench/lib/floor.mjs ssh2Floor).
 */
export async function runOvnctlCounted(o) {
  const file = join(o.work, `${o.label}.round-trips.json`);
  const commandsDir = join(o.work, `${o.label}.commands`);
  const r = await runOvnctl({
    ...o,
    nodeArgs: ['--require', ROUND_TRIP_COUNTER],
    env: { ROUND_TRIPS_FILE: file, RECORD_DIR: commandsDir },
  });
  return { ...r, roundTrips: existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null, commandsDir };
}
