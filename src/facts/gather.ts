// Gathers many facts in ONE exec: each fact's command runs in its own subshell between markers, so a
// no-op rerun costs one round trip per host per play instead of one per fact.
import { randomBytes } from 'node:crypto';
import type { Connection } from '../connection/types.js';
import { TaskFailure } from '../errors.js';
import type { Fact } from './fact.js';

export function buildGatherScript(facts: readonly Fact<unknown>[], nonce: string): string {
  return facts
    .map((f, i) => `printf '\\n@@${nonce}:${i}\\n'; ( ${f.command} ) 2>/dev/null </dev/null; printf '\\n@@${nonce}:rc:%s\\n' "$?"`)
    .join('\n');
}

export function parseGatherOutput(facts: readonly Fact<unknown>[], stdout: string, nonce: string): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const re = new RegExp(`\\n@@${nonce}:(\\d+)\\n([\\s\\S]*?)\\n@@${nonce}:rc:(\\d+)\\n`, 'g');
  for (const m of ('\n' + stdout).matchAll(re)) {
    const fact = facts[Number(m[1])];
    if (fact) values.set(fact.key, fact.parse(m[2], Number(m[3])));
  }
  for (const f of facts) {
    if (!values.has(f.key)) throw new TaskFailure(`could not read fact ${f.key} (output was cut short)`);
  }
  return values;
}

export async function gatherFacts(conn: Connection, facts: readonly Fact<unknown>[]): Promise<Map<string, unknown>> {
  if (facts.length === 0) return new Map();
  const nonce = randomBytes(6).toString('hex');
  const res = await conn.exec(buildGatherScript(facts, nonce), { display: `gather facts: ${facts.map((f) => f.key).join(' ')}` });
  if (res.timedOut) throw new TaskFailure(`gathering facts timed out after ${(res.durationMs / 1000).toFixed(1)} s (ssh.commandTimeout)`);
  if (res.exitCode === null) throw new TaskFailure(`gathering facts failed: ${res.stderr.trim() || (res.signal ? `killed by ${res.signal}` : 'no exit status')}`);
  return parseGatherOutput(facts, res.stdout, nonce);
}
