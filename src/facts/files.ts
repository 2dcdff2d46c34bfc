// Facts about files: checksum and mode, enough to decide whether an upload is needed.
import { quote } from '../shell/quote.js';
import { defineBatchFact, defineFact, type FactBatch } from './fact.js';
import { Resource } from './resources.js';

export interface FileState {
  exists: boolean;
  sha256: string;
  mode: string;
}

/**
 * Every regular file (symlinks followed, as `[ -f ]` does) among the paths: one `stat` for the modes
 * (of the path itself, as before batching), NUL-terminated since a name may hold a newline, then one
 * `sha256sum` (which escapes such a name). Two processes however many files a gather reads.
 */
const FILE_STATES: FactBatch = {
  id: 'file-state',
  reads: [Resource.files],
  command: (paths) =>
    `set --; for f in ${paths.map(quote).join(' ')}; do if [ -f "$f" ]; then set -- "$@" "$f"; fi; done; ` +
    `if [ $# -gt 0 ]; then stat --printf='%a %n\\0' -- "$@"; sha256sum -- "$@"; fi`,
};

/** Mode and checksum by path from the batch output; a file without both (unreadable, gone) is absent. */
export function parseFileStates(out: string): Map<string, FileState> {
  const records = out.split('\0');
  const sums = records.pop() ?? '';
  const modes = new Map<string, string>();
  for (const r of records) {
    const at = r.indexOf(' ');
    if (at > 0) modes.set(r.slice(at + 1), r.slice(0, at));
  }
  const states = new Map<string, FileState>();
  for (const line of sums.split('\n')) {
    const m = /^(\\?)([0-9a-f]{64}) [ *]([\s\S]*)$/.exec(line);
    if (!m) continue;
    const path = m[1] ? m[3].replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c)) : m[3];
    const mode = modes.get(path);
    if (mode) states.set(path, { exists: true, sha256: m[2], mode: mode.padStart(4, '0') });
  }
  return states;
}

export function fileState(path: string) {
  return defineBatchFact(
    `file:${path}`,
    FILE_STATES,
    [path],
    (out): FileState => parseFileStates(out).get(path) ?? { exists: false, sha256: '', mode: '' },
  );
}

/** A small text file's content, or null when absent (apt source lines, unit files). */
export function fileContent(path: string) {
  const p = quote(path);
  return defineFact(`file.content:${path}`, `test -f ${p} && cat ${p}`, (out, rc) => (rc === 0 ? out : null), {
    reads: [Resource.files],
    inline: true,
  });
}
