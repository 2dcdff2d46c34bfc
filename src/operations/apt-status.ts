// apt's machine-readable progress: with `-o APT::Status-Fd=3 3>&1` apt-get writes, between its usual
// output lines, `dlstatus:ITEM:PERCENT:MSG` while it downloads (apt-pkg/acquire.cc) and
// `pmstatus:PKG:PERCENT:MSG` (or pmerror/pmconffile) while dpkg runs (apt-pkg/install-progress.cc).
// PERCENT is of the current step (the download, then the dpkg run), each from 0; MSG is apt's own words.
import type { Progress } from './module.js';

/** The apt-get options (and the redirection) that make it write status lines to its stdout. */
export const APT_STATUS_FD = '-o APT::Status-Fd=3';
export const APT_STATUS_REDIRECT = '3>&1';

// Not anchored at the start: apt writes a status line with one write(2) while its own stdout is
// buffered, so a line may begin with the unterminated rest of an ordinary one.
// ITEM may be pkg:arch (pmerror, pmconffile), hence the lazy match up to the percent.
const STATUS = /(dlstatus|pmstatus|pmerror|pmconffile):(.*?):(\d+(?:\.\d+)?):(.*)$/;

/**
 * One Status-Fd line in words, with how far along its step is (whole percent, rounded down so that
 * 100 means done); undefined for every other line.
 */
export function aptStatus(line: string): Progress | undefined {
  const m = STATUS.exec(line);
  if (!m) return undefined;
  const [, kind, itemArch, pct, text] = m;
  const item = itemArch.split(':')[0];
  const percent = Math.min(100, Math.floor(Number(pct)));
  const words = lowerFirst(withoutArch(text.trim()));
  switch (kind) {
    case 'dlstatus':
      // "Retrieving file 3 of 14 (5s remaining)": the estimate changes every pulse; the bar says as much.
      return { msg: words.replace(/\s*\([^)]*\)$/, ''), percent };
    case 'pmstatus':
      return { msg: words, percent };
    case 'pmerror':
      return { msg: `dpkg failed on ${item}: ${text.trim()}`, percent };
    default:
      return { msg: `dpkg asks about a changed configuration file of ${item}: ${text.trim()}`, percent };
  }
}

/** "Unpacking ovn-host (amd64)" → "Unpacking ovn-host": every pmstatus line names the architecture. */
function withoutArch(s: string): string {
  return s.replace(/ \([a-z0-9-]+\)$/, '');
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
