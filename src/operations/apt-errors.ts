// Which of apt's fetch errors were transient. apt decides it itself (apt-pkg/acquire-worker.cc): it retries
// an item Acquire::Retries times when the method reports a transient failure - a failed or timed-out
// connect, a failed name lookup, a connection lost mid-transfer, HTTP 408/429/500/502/503/504/599
// (methods/connect.cc, methods/basehttp.cc) - and never retries the rest (404, Hash Sum mismatch, a
// wrong size). Its output carries the reason only as text, so the texts of those sources are matched here.

/** apt's error texts (English: apt-get runs in the host's locale) of failures it treats as transient. */
const TRANSIENT: readonly [RegExp, string][] = [
  [/connection timed out/i, 'connection timed out'],
  [/Connection refused/, 'connection refused'],
  [/^(?:Could not|Unable to) connect to /, 'could not connect'],
  [/^Temporary failure resolving /, 'temporary failure resolving'],
  [/^(?:Could not resolve|Something wicked happened resolving|System error resolving) /, 'name lookup failed'],
  [/^Connection failed/, 'connection failed'],
  [/^Error reading from server/, 'connection lost'],
  [/^Bad header data/, 'bad header data'],
];
const TRANSIENT_HTTP = /^(408|429|500|502|503|504|599)\s+(.*?)\s*(?:\[IP: [^\]]*\])?$/;

export interface FetchFailure {
  /** apt's description of the item (or its URL when only the final error line names it). */
  item: string;
  /** The first line of apt's error text, without the "[IP: …]" suffix. */
  error: string;
  /** For a transient error, its kind in a few words; undefined when apt does not retry it. */
  transient?: string;
  /** How often apt retried it (its "Ign:N" lines before "Err:N"); undefined when the output does not say. */
  retries?: number;
}

/** The error text's kind when apt retries it; undefined otherwise. */
export function transientKind(error: string): string | undefined {
  const http = TRANSIENT_HTTP.exec(error);
  if (http) return `${http[1]} ${http[2]}`;
  return TRANSIENT.find(([re]) => re.test(error))?.[1];
}

const ERR = /^Err:(\d+) (.*)$/;
const IGN = /^Ign:(\d+) /;
const FAILED_TO_FETCH = /^[EW]: Failed to fetch (\S+)\s+(.*)$/;

/**
 * The fetches that failed for good, from apt-get's stdout ("Err:N item" and its indented error
 * text; "Ign:N" for each retry) or, when that shows none, its stderr ("E: Failed to fetch URL  error").
 */
export function fetchFailures(stdout: string, stderr: string): FetchFailure[] {
  const lines = stdout.split(/\r?\n|\r/);
  const ign = new Map<string, number>();
  const failures: FetchFailure[] = [];
  for (let i = 0; i < lines.length; i++) {
    const skipped = IGN.exec(lines[i]);
    if (skipped) ign.set(skipped[1], (ign.get(skipped[1]) ?? 0) + 1);
    const err = ERR.exec(lines[i]);
    if (!err) continue;
    // The error text is the next indented line; a status line (written unbuffered) may come between.
    const text = lines.slice(i + 1, i + 4).find((l) => l.startsWith('  '));
    if (text === undefined) continue;
    failures.push(failure(err[2], text.trim(), ign.get(err[1]) ?? 0));
  }
  if (failures.length > 0) return failures;
  return stderr
    .split('\n')
    .map((l) => FAILED_TO_FETCH.exec(l.trim()))
    .filter((m) => m !== null)
    .map((m) => failure(m[1], m[2].trim(), undefined));
}

function failure(item: string, text: string, retries: number | undefined): FetchFailure {
  const error = text.replace(/\s*\[IP: [^\]]*\]$/, '').replace(/\s{2,}/g, ' ');
  return { item, error, transient: transientKind(text), retries };
}

/**
 * A failed apt-get's fetch errors in two lines at most: how many were transient (and retried how
 * often, with `retriesAsked` as set by Acquire::Retries), how many apt does not retry; undefined when
 * no fetch failed (the failure is elsewhere: dpkg, a missing package, the lock).
 */
export function aptFailureNote(output: { stdout: string; stderr: string }, retriesAsked: number): string | undefined {
  const all = fetchFailures(output.stdout, output.stderr);
  if (all.length === 0) return undefined;
  const transient = all.filter((f) => f.transient !== undefined);
  const lasting = all.filter((f) => f.transient === undefined);
  const lines: string[] = [];
  if (transient.length > 0) {
    const kinds = unique(transient.map((f) => f.transient!)).join(', ');
    const errors = transient.length === 1 ? 'a transient error' : 'transient errors';
    lines.push(
      `apt: ${count(transient.length, 'fetch')} failed with ${errors} (${kinds}) ` +
        `${retried(transient, retriesAsked)}: the mirror was unreachable or overloaded; a rerun may succeed`,
    );
  }
  if (lasting.length > 0) {
    const kinds = unique(lasting.map((f) => f.error)).join('; ');
    const errors = lasting.length === 1 ? 'an error' : 'errors';
    lines.push(`apt: ${count(lasting.length, 'fetch')} failed with ${errors} apt does not retry (${kinds})`);
  }
  return lines.join('\n');
}

/** "after 3 retries each (Acquire::Retries=3)", from the Ign lines when the output has them. */
function retried(failures: FetchFailure[], asked: number): string {
  const counts = failures.map((f) => f.retries).filter((n) => n !== undefined);
  const each = failures.length > 1 ? ' each' : '';
  const setting = `(Acquire::Retries=${asked})`;
  if (counts.length < failures.length) return `after up to ${asked} retries${each} ${setting}`;
  const lo = Math.min(...counts);
  const hi = Math.max(...counts);
  const n = lo === hi ? `${lo}` : `${lo}-${hi}`;
  return `after ${n} ${hi === 1 ? 'retry' : 'retries'}${each} ${setting}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 'es'}`;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
