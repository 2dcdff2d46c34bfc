// The runner (changesets' apply step): one connection per host, opened up front; then plays in order
// (play-run.ts: batches, hosts in parallel up to --forks, each host through its tasks in order;
// task-run.ts: facts, plan, and - unless --check - apply). A failed host leaves the run; others go on,
// unless a batch of a `serial` play lost it, which ends the run. The recap comes last, always.
import type { Connection } from '../connection/types.js';
import { runPlay } from './play-run.js';
import { HostRunLock, thisRun } from './run-lock.js';
import { RunContext, type RunOptions, type RunResult } from './run-context.js';
import { errorText } from './task-run.js';
import type { Inventory } from '../inventory/types.js';
import type { Playbook } from './types.js';
import { mapLimit } from '../util/concurrency.js';

export { tagsMatch, type RunOptions, type RunResult } from './run-context.js';

export async function runPlaybook(pb: Playbook, inv: Inventory, opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const run = new RunContext(pb, inv, opts);
  run.event({ type: 'start', playbook: pb.file, hosts: [...run.states.keys()], check: opts.check });
  await connectAll(run);
  for (const play of pb.plays) {
    if (run.interrupted()) break;
    if ((await runPlay(run, play)) === 'stop') break;
  }
  for (const st of run.states.values()) st.lock?.release();
  await Promise.all([...run.states.values()].map((s) => s.conn?.close().catch(() => undefined)));
  const durationMs = Date.now() - started;
  run.event({ type: 'recap', hosts: run.counts, durationMs, ...(run.interrupted() ? { interrupted: true } : {}) });
  return { hosts: run.counts, durationMs, interrupted: run.interrupted() };
}

/** One connection per host, all opened at the start in parallel; a host that cannot be reached leaves the run. */
async function connectAll(run: RunContext): Promise<void> {
  // Ctrl-C: close every connection, even one still dialing, so in-flight commands end now; the recap still prints.
  const opened: Connection[] = [];
  const closeAll = () => opened.forEach((c) => void c.close().catch(() => undefined));
  run.opts.signal?.addEventListener('abort', closeAll, { once: true });
  // A run that changes hosts asks for each host's lock as soon as it is connected, beside the facts read.
  const lock = run.opts.check ? undefined : run.opts.lock;
  const holder = lock && (lock.holder ?? thisRun(lock.command));
  await mapLimit([...run.states.values()], run.forks, async (st) => {
    if (run.interrupted()) return;
    const t0 = Date.now();
    const conn = run.opts.connect(st.host);
    opened.push(conn);
    try {
      await conn.connect();
      st.conn = conn;
      if (lock && holder) st.lock = new HostRunLock(conn, st.host.name, lock, holder);
    } catch (e) {
      if (run.interrupted()) return;
      st.dead = 'unreachable';
      run.report('connect', 'connect', st.host.name, 'unreachable', t0, errorText(e));
      await conn.close().catch(() => undefined);
    }
  });
}
