// A preflight check is a fact (what the host has) and a pure verdict (would the run succeed with it,
// and if not: what is wrong and how to fix it). A check's module turns its verdicts into a result:
// ok with what it found, or a TaskFailure naming every problem with its fix.
import { TaskFailure } from '../../errors.js';
import { noChange, type Plan } from '../module.js';

export type Verdict = { ok: true; found: string } | { ok: false; problem: string; fix: string };

export const pass = (found: string): Verdict => ({ ok: true, found });
export const fail = (problem: string, fix: string): Verdict => ({ ok: false, problem, fix });

/** ok (noChange, saying what was found) when every verdict passes; else a failure listing each problem and fix. */
export function verdictPlan(verdicts: readonly Verdict[]): Plan {
  const bad = verdicts.filter((v) => !v.ok);
  if (bad.length > 0) throw new TaskFailure(bad.map((v) => `${v.problem}: ${v.fix}`).join('; '));
  return noChange(
    verdicts
      .map((v) => (v.ok ? v.found : ''))
      .filter(Boolean)
      .join('; '),
  );
}
