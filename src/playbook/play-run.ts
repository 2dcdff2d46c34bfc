// One play: its targets in batches (one batch unless `serial`), each batch through the tasks and the
// handlers before the next starts, the hosts of a batch in parallel up to --forks, each host through its
// tasks in order. `run_once` tasks run on the first live host of the batch only.
import { mapLimit } from '../util/concurrency.js';
import { NOT_RUN_TASK, serialText, splitBatches } from './batches.js';
import { prefetch } from './host-facts.js';
import type { HostState, RunContext } from './run-context.js';
import { RUN_LOCK_TASK } from './run-lock.js';
import { errorText, runTask } from './task-run.js';
import type { Play, Task } from './types.js';

/** Runs the play; 'stop' when the rest of the playbook must not run (a failed batch of a serial play). */
export async function runPlay(run: RunContext, play: Play): Promise<'next' | 'stop'> {
  const batches = splitBatches(play.targets, play.serial).map((names) => names.map((n) => run.state(n)));
  for (const [i, batch] of batches.entries()) {
    if (run.interrupted()) return 'stop';
    // Connections are opened up front, so a host unreachable then is charged to the first play (batch)
    // that targets it: where a run that connects on first use, as Ansible does, would have found it.
    for (const st of batch) if (st.dead && !st.deadIn) st.deadIn = play;
    await runBatch(run, play, batch);
    const lost = batch.filter((st) => st.deadIn === play);
    // serial is for rolling changes: a batch that lost a host must not be followed by the next one.
    if (play.serial && lost.length > 0 && !run.interrupted()) {
      reportNotRun(run, play, lost, `batch ${i + 1} of ${batches.length}`);
      return 'stop';
    }
  }
  return 'next';
}

async function runBatch(run: RunContext, play: Play, batch: HostState[]): Promise<void> {
  const live = batch.filter((st) => !st.dead);
  const once = live[0]?.host.name;
  const tasksOf = (st: HostState) => hostTasks(run, play, st.host.name, once);
  // A play whose every task is off for every host (e.g. verify's smoke plays without --smoke) is not shown.
  if (!live.some((st) => tasksOf(st).some((t) => t.prepared.get(st.host.name)?.run))) return;
  run.event({ type: 'play', play: play.name, hosts: live.map((s) => s.host.name) });
  await mapLimit(live, run.forks, async (st) => {
    st.started = true;
    await runHostPlay(run, play, st, tasksOf(st));
    run.event({ type: 'host-done', play: play.name, host: st.host.name });
  });
}

async function runHostPlay(run: RunContext, play: Play, st: HostState, tasks: Task[]): Promise<void> {
  // The first play of a host reads the facts of every later play too: a no-op rerun is then one
  // round trip per host. A change drops what it may make stale, so later plays read that afresh.
  const name = st.host.name;
  const others = st.prefetched ? [] : run.pb.plays.filter((p) => p !== play && p.targets.includes(name));
  const first = !st.prefetched;
  st.prefetched = true;
  const ahead = [...tasks, ...others.flatMap((p) => hostTasks(run, p, name, onceHost(run, p, name)))];
  await prefetch(run, ahead, st);
  if (first && st.lock) {
    const lock = await holdRunLock(run, play, st);
    if (lock === 'failed') return;
    // Another run changed the host while this one waited: read it again.
    if (lock === 'waited') {
      st.facts.forget(undefined);
      await prefetch(run, ahead, st);
    }
  }
  // Handlers are per host: a run_once task that changes something notifies those of the host that ran it.
  const notified = new Set<string>();
  for (const [i, t] of tasks.entries()) {
    if (st.dead || run.interrupted()) return;
    const changed = await runTask(run, play, t, st, false, tasks.slice(i + 1));
    if (changed) for (const n of t.notify) notified.add(n);
  }
  for (const h of play.handlers) {
    if (st.dead || run.interrupted()) return;
    if (notified.has(h.name)) await runTask(run, play, h, st, true);
  }
  // A gate (preflight) lets every check run and report, then stops the host before anything changes.
  if (st.gateFailed && !st.dead) {
    st.dead = 'failed';
    st.deadIn = play;
  }
}

/**
 * A run that changes hosts holds each host's run lock before the host's first task, so its reads never
 * interleave with another run's writes either. Asked for at connect, its answer came with the facts.
 */
async function holdRunLock(run: RunContext, play: Play, st: HostState): Promise<'held' | 'waited' | 'failed'> {
  const t0 = Date.now();
  const host = st.host.name;
  try {
    const { waited } = await st.lock!.acquire((msg) =>
      run.event({ type: 'task-progress', play: play.name, task: RUN_LOCK_TASK, host, msg: run.mask(msg) }),
    );
    return waited ? 'waited' : 'held';
  } catch (e) {
    // Ctrl-C closed the connection under the wait: like a task not started yet, it reports nothing.
    if (run.interrupted()) return 'failed';
    st.dead = 'failed';
    st.deadIn = play;
    run.report(play.name, RUN_LOCK_TASK, host, 'failed', t0, errorText(e));
    return 'failed';
  }
}

/** The tasks a host runs (or reports as skipped) in the play: --tags' choice, less others' run_once tasks. */
function hostTasks(run: RunContext, play: Play, host: string, once: string | undefined): Task[] {
  return run.selectedTasks(play).filter((t) => !t.runOnce || host === once);
}

/** Who would run the play's run_once tasks for `host`, as things stand: the first live host of its batch. */
function onceHost(run: RunContext, play: Play, host: string): string | undefined {
  const batch = splitBatches(play.targets, play.serial).find((b) => b.includes(host)) ?? [];
  return batch.find((n) => !run.state(n).dead);
}

/**
 * The run ends (Ansible's serial with no failure allowed): every live host that has run nothing yet -
 * the later batches, and hosts only later plays target - gets one skipped result saying so, so the
 * recap shows it was not run rather than that it had nothing to do.
 */
function reportNotRun(run: RunContext, play: Play, lost: HostState[], where: string): void {
  const t0 = Date.now();
  const who = lost.map((st) => `${st.host.name} (${st.dead})`).join(', ');
  const msg =
    `${where} of play "${play.name}" (serial: ${serialText(play.serial!)}) lost ${who}, ` +
    'so its later batches and the rest of the playbook do not run';
  for (const st of run.states.values()) {
    if (!st.started && !st.dead) run.report(play.name, NOT_RUN_TASK, st.host.name, 'skipped', t0, msg);
  }
}
