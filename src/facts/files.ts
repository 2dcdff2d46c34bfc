// Facts about files: checksum and mode, enough to decide whether an upload is needed.
import { quote } from '../shell/quote.js';
import { defineFact } from './fact.js';

export interface FileState {
  exists: boolean;
  sha256: string;
  mode: string;
}

export function fileState(path: string) {
  const p = quote(path);
  return defineFact(
    `file:${path}`,
    `if [ -f ${p} ]; then printf '%s %s\\n' "$(stat -c %a ${p})" "$(sha256sum < ${p} | cut -d' ' -f1)"; else echo absent; fi`,
    (out): FileState => {
      const [mode, sha] = out.trim().split(' ');
      if (mode === 'absent' || !sha) return { exists: false, sha256: '', mode: '' };
      return { exists: true, sha256: sha, mode: mode.padStart(4, '0') };
    },
  );
}

/** A small text file's content, or null when absent (apt source lines, unit files). */
export function fileContent(path: string) {
  const p = quote(path);
  return defineFact(`file.content:${path}`, `test -f ${p} && cat ${p}`, (out, rc) => (rc === 0 ? out : null));
}
