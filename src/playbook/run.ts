// The runner (changesets' apply step): plays in order; within a play, hosts in parallel up to
// --forks, each host through its tasks in order. Per task: facts (batched, cached until a change may
// make them stale: Module.writes, typed by facts/resources.ts), plan, and - unless --check - apply. A failed host leaves the
// run; others go on.
import type { Connection, OutputListener } from '../connection/types.js';
import { OvnctlError, TaskFailure, UnreachableError } from '../errors.js';
import { gatherFacts } from '../facts/gather.js';
import type { Fact } from '../facts/fact.js';
import type { Host, Inventory } from '../inventory/types.js';
import type { FactReader, ModuleContext, Plan } from '../operations/module.js';
import type { HasSecrets } from '../shell/secret.js';
import { emptyCounts, type Counts, type EventSink, type TaskStatus } from './events.js';
import type { Play, Playbook, Task } from './types.js';
import { mapLimit } from '../util/concurrency.js';
import { FactCache } from './fact-cache.js';

export interface RunOptions {
  check: boolean;
  forks: number;
  /** Opens (lazily) the connection of a host; one per host for the whole run. */
  connect: (host: Host) => Connection;
  readAsset: (source: string) => Promise<Buffer>;
  onEvent: EventSink;
  /** Full command output per host and task (already masked). */
  log?: (host: string, task: string, text: string) => void;
  tags?: string[];
  skipTags?: string[];
  signal?: AbortSignal;
}

export interface RunResult {
  hosts: Record<string, Counts>;
  durationMs: number;
  interrupted: boolean;
}

interface HostState {
  host: Host;
  conn?: Connection;
  facts: FactCache;
  dead: 'failed' | 'unreachable' | null;
  prefetched?: boolean;
}

export async function runPlaybook(pb: Playbook, inv: Inventory, opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  // Every output path masks the inventory's secrets, and those the command being shown carries.
  const mask = (s: string, ...owners: HasSecrets[]) => inv.secrets.mask(s, ...owners);
  const involved = inv.hosts.filter((h) => pb.plays.some((p) => p.targets.includes(h.name)));
  const states = new Map<string, HostState>(involved.map((h) => [h.name, { host: h, facts: new FactCache(), dead: null }]));
  const counts: Record<string, Counts> = Object.fromEntries(involved.map((h) => [h.name, emptyCounts()]));
  const interrupted = () => opts.signal?.aborted ?? false;
  const emit = (play: string, task: string, host: string, status: TaskStatus, t0: number, msg: string, extra: object = {}) => {
    counts[host][status]++;
    opts.onEvent({ type: 'task', play, task, host, status, durationMs: Date.now() - t0, msg: mask(msg), ...extra });
  };

  opts.onEvent({ type: 'start', playbook: pb.file, hosts: involved.map((h) => h.name), check: opts.check });

  // Ctrl-C: close every connection, even one still dialing, so in-flight commands end now; the recap still prints.
  const opened: Connection[] = [];
  opts.signal?.addEventListener('abort', () => opened.forEach((c) => void c.close().catch(() => undefined)), { once: true });

  // One connection per host, all opened at the start in parallel.
  await mapLimit([...states.values()], Math.max(opts.forks, 1), async (st) => {
    if (interrupted()) return;
    const t0 = Date.now();
    const conn = opts.connect(st.host);
    opened.push(conn);
    try {
      await conn.connect();
      st.conn = conn;
    } catch (e) {
      if (interrupted()) return;
      st.dead = 'unreachable';
      emit('connect', 'connect', st.host.name, 'unreachable', t0, errorText(e));
      await conn.close().catch(() => undefined);
    }
  });

  const ctxFor = (host: Host): ModuleContext => ({ host, inventory: inv, readAsset: opts.readAsset });

  for (const play of pb.plays) {
    if (interrupted()) break;
    const live = play.targets.map((n) => states.get(n)!).filter((st) => !st.dead);
    // A play whose every task is off for every host (e.g. verify's smoke plays without --smoke) is not shown.
    const anything = selectedTasks(play).some((t) => live.some((st) => t.prepared.get(st.host.name)?.run));
    if (!anything) continue;
    opts.onEvent({ type: 'play', play: play.name, hosts: live.map((s) => s.host.name) });
    await mapLimit(live, Math.max(opts.forks, 1), async (st) => {
      await runHostPlay(play, st);
      opts.onEvent({ type: 'host-done', play: play.name, host: st.host.name });
    });
  }

  function selectedTasks(play: Play): Task[] {
    return play.tasks.filter((t) => tagsMatch([...play.tags, ...t.tags], opts.tags, opts.skipTags));
  }

  async function runHostPlay(play: Play, st: HostState): Promise<void> {
    const tasks = selectedTasks(play);
    // The first play of a host reads the facts of every later play too: a no-op rerun is then one
    // round trip per host. A change drops what it may make stale, so later plays read that afresh.
    const later = st.prefetched ? [] : pb.plays.filter((p) => p !== play && p.targets.includes(st.host.name)).flatMap(selectedTasks);
    st.prefetched = true;
    await prefetch([...tasks, ...later], st);
    const notified = new Set<string>();
    for (const [i, t] of tasks.entries()) {
      if (st.dead || interrupted()) return;
      const changed = await runTask(play, t, st, false, tasks.slice(i + 1));
      if (changed) t.notify.forEach((n) => notified.add(n));
    }
    for (const h of play.handlers) {
      if (st.dead || interrupted()) return;
      if (notified.has(h.name)) await runTask(play, h, st, true);
    }
  }

  /** The facts that the tasks which run on this host need and the cache lacks. */
  function missingFacts(tasks: Task[], st: HostState): Map<string, Fact<unknown>> {
    const wanted = new Map<string, Fact<unknown>>();
    for (const t of tasks) {
      const prep = t.prepared.get(st.host.name);
      if (!prep?.run) continue;
      for (const f of t.module.facts(prep.args, ctxFor(st.host))) if (!st.facts.has(f.key)) wanted.set(f.key, f);
    }
    return wanted;
  }

  /** Read the facts of every task of the play in one round trip. */
  async function prefetch(tasks: Task[], st: HostState): Promise<void> {
    if (!st.conn) return;
    try {
      const wanted = missingFacts(tasks, st);
      if (wanted.size > 0) st.facts.store(wanted.values(), await gatherFacts(st.conn, [...wanted.values()]));
    } catch {
      // Tasks gather what they need themselves and report the error in their own name.
    }
  }

  /**
   * A task's missing facts, read in one exec with those the play's later tasks lack: after a change,
   * one read serves the rest of the play unless another change makes part of it stale.
   */
  async function gatherMissing(own: Fact<unknown>[], rest: Task[], st: HostState): Promise<void> {
    try {
      const mine = new Map(own.map((f) => [f.key, f]));
      const wanted = new Map([...mine, ...missingFacts(rest, st)]);
      if (wanted.size > mine.size) return st.facts.store(wanted.values(), await gatherFacts(st.conn!, [...wanted.values()]));
    } catch {
      // A later task's fact failed: read this task's alone, so an error is reported in the name of its own task.
    }
    st.facts.store(own, await gatherFacts(st.conn!, own));
  }

  async function runTask(play: Play, t: Task, st: HostState, handler: boolean, rest: Task[] = []): Promise<boolean> {
    const host = st.host.name;
    const prep = t.prepared.get(host);
    const t0 = Date.now();
    opts.onEvent({ type: 'task-start', play: play.name, task: t.name, host });
    if (!prep?.run) {
      emit(play.name, t.name, host, 'skipped', t0, 'condition false', { handler });
      return false;
    }
    const ctx = ctxFor(st.host);
    try {
      const needed = t.module.facts(prep.args, ctx);
      const missing = needed.filter((f) => !st.facts.has(f.key));
      if (missing.length > 0) await gatherMissing(missing, rest, st);
      const reader: FactReader = <T>(f: Fact<T>) => {
        if (!st.facts.has(f.key)) throw new Error(`module ${t.module.name} read undeclared fact ${f.key}`);
        return st.facts.get(f.key) as T;
      };
      const plan: Plan = await t.module.plan(prep.args, reader, ctx);
      if (plan.skip) {
        emit(play.name, t.name, host, 'skipped', t0, plan.skip, { handler });
        return false;
      }
      if (plan.commands.length === 0) {
        emit(play.name, t.name, host, 'ok', t0, plan.msg ?? '', { handler });
        return false;
      }
      if (!opts.check) {
        st.facts.forget(t.module.writes?.(prep.args, ctx)); // the host is changing: what it may change is stale now
        const progress = progressListener(play.name, t, host);
        for (const cmd of plan.commands) {
          if (interrupted()) throw new TaskFailure('interrupted');
          const res = await st.conn!.exec(cmd.script, { display: cmd.display, stdin: cmd.stdin, onOutput: progress?.listener });
          opts.log?.(host, t.name, mask(`$ ${cmd.display}\n${res.stdout}${res.stderr ? `\n[stderr]\n${res.stderr}` : ''}\n[exit ${res.exitCode ?? res.signal ?? 'none'} in ${res.durationMs} ms]`, cmd));
          if (res.failed) {
            const why = res.timedOut ? `timed out after ${seconds(st.host.ssh.commandTimeoutMs)} (ssh.commandTimeout)` : res.exitCode === null ? 'ended without an exit status' : `exit ${res.exitCode}`;
            // What it last waited for (e.g. who held the dpkg lock) is often the cause: apt's final error does not repeat it.
            const waited = progress?.last() ? `\n(last progress: ${progress.last()})` : '';
            throw new TaskFailure(mask(`${why}: ${cmd.display}\n${tail(res.stderr || res.stdout)}${waited}`, cmd));
          }
        }
      }
      emit(play.name, t.name, host, 'changed', t0, plan.msg ?? plan.commands.map((c) => c.display).join('; '), { handler, diff: plan.diff, commands: plan.commands.map((c) => mask(c.display, c)) });
      return true;
    } catch (e) {
      const status = e instanceof UnreachableError ? 'unreachable' : 'failed';
      if (!(t.continueOnFailure && e instanceof TaskFailure)) st.dead = status;
      // After Ctrl-C the connection was closed under the task: say so, not "connection lost".
      emit(play.name, t.name, host, status, t0, interrupted() ? 'interrupted' : errorText(e), { handler });
      return false;
    }
  }

  /** Lines of a running command that the task's module puts in words become task-progress events. */
  function progressListener(play: string, t: Task, host: string): { listener: OutputListener; last: () => string } | undefined {
    const words = t.module.progress;
    if (!words) return undefined;
    let last = '';
    const listener: OutputListener = (line) => {
      const msg = words.call(t.module, line);
      if (msg === undefined || msg === last) return;
      last = msg;
      opts.onEvent({ type: 'task-progress', play, task: t.name, host, msg: mask(msg) });
    };
    return { listener, last: () => mask(last) };
  }

  await Promise.all([...states.values()].map((s) => s.conn?.close().catch(() => undefined)));
  const durationMs = Date.now() - started;
  opts.onEvent({ type: 'recap', hosts: counts, durationMs, ...(interrupted() ? { interrupted: true } : {}) });
  return { hosts: counts, durationMs, interrupted: interrupted() };
}

export function tagsMatch(taskTags: string[], only?: string[], skip?: string[]): boolean {
  if (skip?.some((t) => taskTags.includes(t)) && !taskTags.includes('never-skip')) return false;
  if (!only || only.length === 0 || only.includes('all')) return true;
  return taskTags.includes('always') || only.some((t) => taskTags.includes(t));
}

function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

function seconds(ms: number): string {
  return `${+(ms / 1000).toFixed(3)} s`;
}

function errorText(e: unknown): string {
  if (e instanceof OvnctlError) return e.message;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
