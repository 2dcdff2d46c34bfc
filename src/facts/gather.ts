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
  for (const s of splitSections(stdout, nonce)) {
    for (const f of sections[s.index]?.facts ?? []) values.set(f.key, f.parse(s.out, s.rc));
  }
  for (const f of facts) {
    if (!values.has(f.key)) throw new TaskFailure(`could not read fact ${f.key} (output was cut short)`);
  }
  return values;
}

/**
 * Each whole section of the script's output: `\n@@NONCE:i\n`, the command's output, `\n@@NONCE:rc:N\n`.
 * Found with indexOf, not a regular expression built per gather: 201 hosts' reads are parsed on the
 * controller's one thread, and a lazy `[\s\S]*?` across each output cost more than the facts' parsers.
 */
function* splitSections(stdout: string, nonce: string): Generator<{ index: number; out: string; rc: number }> {
  const text = `\n${stdout}`;
  const head = `\n@@${nonce}:`;
  const tail = `\n@@${nonce}:rc:`;
  let pos = 0;
  for (;;) {
    const start = text.indexOf(head, pos);
    if (start < 0) return;
    const idStart = start + head.length;
    const idEnd = text.indexOf('\n', idStart);
    if (idEnd < 0) return;
    const id = text.slice(idStart, idEnd);
    if (!/^\d+$/.test(id)) {
      pos = idStart;
      continue;
    }
    // The first end marker with a status after it ends the section (the output may hold a line that
    // only looks like one).
    let end = text.indexOf(tail, idEnd);
    let rcEnd = -1;
    while (end >= 0) {
      rcEnd = text.indexOf('\n', end + tail.length);
      if (rcEnd >= 0 && /^\d+$/.test(text.slice(end + tail.length, rcEnd))) break;
      end = text.indexOf(tail, end + 1);
    }
    if (end < 0) return;
    yield { index: Number(id), out: text.slice(idEnd + 1, end), rc: Number(text.slice(end + tail.length, rcEnd)) };
    pos = rcEnd;
  }
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
