// Gathers many facts in ONE exec: each fact's command runs between markers, so a no-op rerun costs one
// round trip per host per play instead of one per fact. Facts marked inline run in the script's own
// shell and the facts of a batch share one command, so the exec starts few processes (31 hosts on 2
// cores spend most of a no-op here).
import { randomBytes } from 'node:crypto';
import type { Connection } from '../connection/types.js';
import { HostReadFailure, TaskFailure } from '../errors.js';
import type { Fact, FactBatch } from './fact.js';

/** One command of the script and the facts that read its output. */
interface Section {
  command: string;
  inline: boolean;
  facts: Fact<unknown>[];
}

function sectionsOf(facts: readonly Fact<unknown>[]): Section[] {
  const sections: Section[] = [];
  const batches = new Map<string, { of: FactBatch; section: Section; words: string[] }>();
  for (const f of facts) {
    if (!f.batch) {
      sections.push({ command: f.command, inline: f.inline === true, facts: [f] });
      continue;
    }
    let b = batches.get(f.batch.of.id);
    if (!b) {
      b = { of: f.batch.of, section: { command: '', inline: true, facts: [] }, words: [] };
      batches.set(b.of.id, b);
      sections.push(b.section);
    }
    b.section.facts.push(f);
    for (const w of f.batch.words) if (!b.words.includes(w)) b.words.push(w);
  }
  for (const b of batches.values()) b.section.command = b.of.command(b.words);
  return sections;
}

export function buildGatherScript(facts: readonly Fact<unknown>[], nonce: string): string {
  // A newline (not `;`) ends the command: it may end in `;` or a comment.
  return sectionsOf(facts)
    .map((s, i) => {
      const body = s.inline ? `{ ${s.command}\n}` : `( ${s.command}\n)`;
      return `printf '\\n@@${nonce}:${i}\\n'; ${body} 2>/dev/null </dev/null; printf '\\n@@${nonce}:rc:%s\\n' "$?"`;
    })
    .join('\n');
}

export function parseGatherOutput(
  facts: readonly Fact<unknown>[],
  stdout: string,
  nonce: string,
): Map<string, unknown> {
  const sections = sectionsOf(facts);
  const values = new Map<string, unknown>();
  const re = new RegExp(`\\n@@${nonce}:(\\d+)\\n([\\s\\S]*?)\\n@@${nonce}:rc:(\\d+)\\n`, 'g');
  for (const m of ('\n' + stdout).matchAll(re)) {
    for (const f of sections[Number(m[1])]?.facts ?? []) values.set(f.key, f.parse(m[2], Number(m[3])));
  }
  for (const f of facts) {
    if (!values.has(f.key)) throw new TaskFailure(`could not read fact ${f.key} (output was cut short)`);
  }
  return values;
}

export async function gatherFacts(conn: Connection, facts: readonly Fact<unknown>[]): Promise<Map<string, unknown>> {
  if (facts.length === 0) return new Map();
  const nonce = randomBytes(6).toString('hex');
  const res = await conn.exec(buildGatherScript(facts, nonce), {
    display: `gather facts: ${facts.map((f) => f.key).join(' ')}`,
  });
  if (res.timedOut)
    throw new HostReadFailure(
      `gathering facts timed out after ${(res.durationMs / 1000).toFixed(1)} s (ssh.commandTimeout)`,
    );
  if (res.exitCode === null)
    throw new HostReadFailure(
      `gathering facts failed: ${res.stderr.trim() || (res.signal ? `killed by ${res.signal}` : 'no exit status')}`,
    );
  return parseGatherOutput(facts, res.stdout, nonce);
}
