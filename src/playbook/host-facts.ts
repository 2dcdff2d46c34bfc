// Reading a host's facts in as few round trips as possible: ahead of time for every task the host will
// run, and, when a change made some stale, together with what the rest of the play lacks.
import type { Fact } from '../facts/fact.js';
import { HostReadFailure } from '../errors.js';
import { gatherFacts } from '../facts/gather.js';
import type { HostState, RunContext } from './run-context.js';
import type { Task } from './types.js';

/**
 * The facts that the tasks which run on this host need and the cache lacks; a throttled task's are left
 * to it, to be read within its throttle (all hosts asking one server at once is what it bounds).
 */
function missingFacts(run: RunContext, tasks: Task[], st: HostState): Map<string, Fact<unknown>> {
  const wanted = new Map<string, Fact<unknown>>();
  for (const t of tasks) {
    const prep = t.prepared.get(st.host.name);
    if (!prep?.run || t.throttle !== undefined) continue;
    for (const f of t.module.facts(prep.args, run.moduleContext(st.host))) {
      if (!st.facts.has(f.key)) wanted.set(f.key, f);
    }
  }
  return wanted;
}

/** Read the facts of `tasks` (the host's, in order) in one round trip. */
export async function prefetch(run: RunContext, tasks: Task[], st: HostState): Promise<void> {
  if (!st.conn) return;
  try {
    const wanted = missingFacts(run, tasks, st);
    if (wanted.size > 0) st.facts.store(wanted.values(), await gatherFacts(st.conn, [...wanted.values()]));
  } catch (e) {
    // Tasks gather what they need themselves and report the error in their own name; a host that did not
    // answer is not asked again: its first task reports this.
    if (e instanceof HostReadFailure) st.unanswered = e;
  }
}

/**
 * A task's missing facts, read in one exec with those the play's later tasks lack: after a change,
 * one read serves the rest of the play unless another change makes part of it stale.
 */
export async function gatherMissing(run: RunContext, own: Fact<unknown>[], rest: Task[], st: HostState): Promise<void> {
  if (st.unanswered) throw st.unanswered;
  try {
    const mine = new Map(own.map((f) => [f.key, f]));
    const wanted = new Map([...mine, ...missingFacts(run, rest, st)]);
    if (wanted.size > mine.size) {
      return st.facts.store(wanted.values(), await gatherFacts(st.conn!, [...wanted.values()]));
    }
  } catch (e) {
    // The host did not answer: asking again would only wait as long again.
    if (e instanceof HostReadFailure) throw e;
    // A later task's fact failed: read this task's alone, so an error is reported in the name of its own task.
  }
  st.facts.store(own, await gatherFacts(st.conn!, own));
}
