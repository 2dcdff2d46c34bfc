// One task on one host: its facts, its plan, and - unless --check - the plan's commands, ending in
// exactly one reported result. A failure takes the host out of the run unless the task continues on it.
import type { OutputListener } from '../connection/types.js';
import { ExitCode, HostReadFailure, OvnctlError, TaskFailure, UnreachableError } from '../errors.js';
import type { Fact } from '../facts/fact.js';
import type { FactReader, Plan } from '../operations/module.js';
import type { HasSecrets } from '../shell/secret.js';
import { gatherMissing } from './host-facts.js';
import type { HostState, RunContext } from './run-context.js';
import type { Play, Task } from './types.js';

/**
 * Runs `t` on the host of `st`; true when it changed something (its handlers are then notified).
 * `rest`: the tasks after it on this host, whose missing facts a read after a change takes along.
 */
export async function runTask(
  run: RunContext,
  play: Play,
  t: Task,
  st: HostState,
  handler: boolean,
  rest: Task[] = [],
): Promise<boolean> {
  const slots = t.prepared.get(st.host.name)?.run ? run.throttleOf(t) : undefined;
  if (!slots) return runTaskNow(run, play, t, st, handler, rest);
  // The wait for a slot is not the task's time, and a host whose run ended meanwhile does not start it.
  return slots.use(async () => (st.dead || run.interrupted() ? false : runTaskNow(run, play, t, st, handler, rest)));
}

async function runTaskNow(
  run: RunContext,
  play: Play,
  t: Task,
  st: HostState,
  handler: boolean,
  rest: Task[],
): Promise<boolean> {
  const host = st.host.name;
  const prep = t.prepared.get(host);
  const t0 = Date.now();
  const report = (status: Parameters<RunContext['report']>[3], msg: string, extra: object = {}) =>
    run.report(play.name, t.name, host, status, t0, msg, { handler, ...extra });
  run.event({ type: 'task-start', play: play.name, task: t.name, host });
  if (!prep?.run) {
    report('skipped', 'condition false');
    return false;
  }
  const ctx = run.moduleContext(st.host);
  try {
    const needed = t.module.facts(prep.args, ctx);
    const missing = needed.filter((f) => !st.facts.has(f.key));
    if (missing.length > 0) await gatherMissing(run, missing, rest, st);
    const reader: FactReader = <T>(f: Fact<T>) => {
      if (!st.facts.has(f.key)) throw new Error(`module ${t.module.name} read undeclared fact ${f.key}`);
      return st.facts.get(f.key) as T;
    };
    const plan: Plan = await t.module.plan(prep.args, reader, ctx);
    if (plan.skip) {
      report('skipped', plan.skip);
      return false;
    }
    if (plan.commands.length === 0) {
      report('ok', plan.msg ?? '');
      return false;
    }
    if (!run.opts.check) {
      st.facts.forget(t.module.writes?.(prep.args, ctx)); // the host is changing: what it may change is stale now
      await applyPlan(run, play, t, st, plan);
    }
    const commands = plan.commands.map((c) => run.mask(c.display, c));
    report('changed', plan.msg ?? plan.commands.map((c) => c.display).join('; '), { diff: plan.diff, commands });
    return true;
  } catch (e) {
    const status = e instanceof UnreachableError ? 'unreachable' : 'failed';
    const goesOn = (t.continueOnFailure || play.gate) && e instanceof TaskFailure && !(e instanceof HostReadFailure);
    if (!goesOn) {
      st.dead = status;
      st.deadIn = play;
    } else if (play.gate) st.gateFailed = true;
    // After Ctrl-C the connection was closed under the task: say so, not "connection lost".
    report(status, run.interrupted() ? 'interrupted' : errorText(e));
    return false;
  }
}

/** The plan's commands in order; the first that fails throws a TaskFailure saying why. */
async function applyPlan(run: RunContext, play: Play, t: Task, st: HostState, plan: Plan): Promise<void> {
  const host = st.host.name;
  const progress = progressListener(run, play.name, t, host, plan.commands);
  // The lock's command ended under the run (killed on the host): another run may be in by now.
  if (st.lock?.lost)
    throw new OvnctlError(`lost the run lock ${st.lock.path} on ${host}: ${st.lock.lost}`, ExitCode.hostFailed);
  for (const cmd of plan.commands) {
    if (run.interrupted()) throw new TaskFailure('interrupted');
    const options = { display: cmd.display, stdin: cmd.stdin, onOutput: progress?.listener };
    const res = await st.conn!.exec(cmd.script, options);
    const stderr = res.stderr ? `\n[stderr]\n${res.stderr}` : '';
    const exit = `[exit ${res.exitCode ?? res.signal ?? 'none'} in ${res.durationMs} ms]`;
    run.opts.log?.(host, t.name, run.mask(`$ ${cmd.display}\n${res.stdout}${stderr}\n${exit}`, cmd));
    if (res.failed) {
      const why = res.timedOut
        ? `timed out after ${seconds(st.host.ssh.commandTimeoutMs)} (ssh.commandTimeout)`
        : res.exitCode === null
          ? 'ended without an exit status'
          : `exit ${res.exitCode}`;
      // What it last waited for (e.g. who held the dpkg lock) is often the cause: apt's final error does not repeat it.
      const waited = progress?.lastWait() ? `\n(last progress: ${progress.lastWait()})` : '';
      // What the whole output says that its tail may not (apt: which fetch errors were transient).
      const note = t.module.failureNote?.({ stdout: res.stdout, stderr: res.stderr });
      const noted = note ? `\n${note}` : '';
      throw new TaskFailure(
        run.mask(`${why}: ${cmd.display}\n${tail(res.stderr || res.stdout)}${waited}${noted}`, cmd),
      );
    }
  }
}

/**
 * Lines of a running command that the task's module puts in words become task-progress events, each
 * once: a repeat of the last one (same words, same whole percent) is dropped. Not throttled by time:
 * apt's steps are few (about 5 per package, at most one per whole percent while it downloads), and
 * how often to show them is the reporters' choice.
 */
function progressListener(
  run: RunContext,
  play: string,
  t: Task,
  host: string,
  commands: readonly HasSecrets[],
): { listener: OutputListener; lastWait: () => string } | undefined {
  const words = t.module.progress;
  if (!words) return undefined;
  // A line may echo any of the plan's commands' own secrets, not only the inventory's.
  const mask = (s: string) => run.mask(s, ...commands);
  let last = '';
  let waiting = false;
  const listener: OutputListener = (line) => {
    const said = words.call(t.module, line);
    if (said === undefined) return;
    const { msg, percent } = typeof said === 'string' ? { msg: said, percent: undefined } : said;
    const text = percent === undefined ? msg : `${msg} (${percent}%)`;
    if (text === last) return;
    last = text;
    waiting = percent === undefined;
    const pct = percent === undefined ? {} : { percent };
    run.event({ type: 'task-progress', play, task: t.name, host, msg: mask(msg), ...pct });
  };
  // Only a wait (words without a percent) that was still on when the command failed explains it.
  return { listener, lastWait: () => (waiting ? mask(last) : '') };
}

function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

function seconds(ms: number): string {
  return `${+(ms / 1000).toFixed(3)} s`;
}

export function errorText(e: unknown): string {
  if (e instanceof OvnctlError) return e.message;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
