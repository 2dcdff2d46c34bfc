// Facts about running daemons, read from their pidfiles and /proc: works with or without systemd.
import { DAEMONS, type DaemonName } from '../ovn/daemons.js';
import { quote } from '../shell/quote.js';
import { defineFact } from './fact.js';
import { Resource } from './resources.js';

/** Is each named daemon alive (a pidfile of ovn/daemons.ts whose pid exists)? */
export function daemonsRunning(names: readonly DaemonName[]) {
  const sorted = [...names].sort();
  const script = sorted
    .map((n) => {
      const files = DAEMONS[n].pidfiles.map(quote).join(' ');
      // `read` and `kill` are builtins: no process per pidfile.
      return (
        `r=0; for f in ${files}; do pid=; if [ -f "$f" ]; then read -r pid < "$f"; fi; ` +
        `if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then r=1; fi; done; echo ${quote(n)}=$r`
      );
    })
    .join('; ');
  const parse = (out: string) => {
    const alive: Record<string, boolean> = {};
    for (const n of sorted) alive[n] = false;
    for (const line of out.split('\n')) {
      const [k, v] = line.trim().split('=');
      if (k in alive) alive[k] = v === '1';
    }
    return alive;
  };
  return defineFact(`process.daemons:${sorted.join(',')}`, script, parse, {
    reads: [Resource.files, Resource.processes],
    inline: true,
  });
}

export interface ProcessInfo {
  pid: number;
  /** sha256 of the argv from `binary` on (one arg per line): compares flags without reading secrets back. */
  argvSha256: string;
}

/**
 * Every process whose argv contains `binary` as a word (scripts run through an interpreter included),
 * with a checksum of its arguments from the binary on, so the token never leaves the host. One grep
 * finds them, whatever the number of processes (`-z -x`: whole NUL-separated argv words; the last
 * character in brackets keeps grep from matching its own argv), then 3 processes per match.
 */
export function processesOf(binary: string) {
  const re = escapeRe(binary);
  const word = `${binary.slice(0, -1).replace(/\./g, '\\.')}[${binary.slice(-1)}]`;
  return defineFact(
    `process.of:${binary}`,
    `for c in $(grep -lzx -- ${quote(word)} /proc/[0-9]*/cmdline); do p=\${c#/proc/}; printf '%s ' "\${p%/cmdline}"; ` +
      `sed -zn ${quote(`\\|^${re}$|,$p`)} < "$c" | tr '\\0' '\\n' | sha256sum; done`,
    (out): ProcessInfo[] =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [pid, sha] = l.split(/\s+/);
          return { pid: Number(pid), argvSha256: sha };
        }),
    { reads: [Resource.processes], inline: true },
  );
}

/** A path as a basic regular expression (grep, sed) matching it alone. */
function escapeRe(path: string): string {
  if (!/^[A-Za-z0-9_./-]+$/.test(path)) throw new Error(`unsupported binary path for process matching: ${path}`);
  return path.replace(/\./g, '\\.');
}

/** The `--name=value` options a running daemon was started with (those asked for); null when it is not running. */
export type DaemonOptions = Record<string, string> | null;

/**
 * Some options of running daemons, read from /proc/<pid>/cmdline (which ovn-ctl built): whether a server
 * runs with the TLS files, which databases ovn-northd was given. Values here are paths and remotes only.
 */
export function daemonOptions(names: readonly DaemonName[], options: readonly string[]) {
  const sorted = [...names].sort();
  const pattern = `^--(${options.map((o) => o.replace(/^--/, '').replace(/[.-]/g, '\\$&')).join('|')})=`;
  const script = sorted
    .map((n) => {
      // The first pidfile whose process lives, as daemonsRunning decides (OVN's run dir moved).
      const files = DAEMONS[n].pidfiles.map(quote).join(' ');
      return (
        `p=; for f in ${files}; do q=; if [ -f "$f" ]; then read -r q < "$f"; fi; ` +
        `if [ -n "$q" ] && [ -r "/proc/$q/cmdline" ]; then p=$q; break; fi; done; if [ -n "$p" ]; then ` +
        `echo ${quote(`@${n}`)}; tr '\\0' '\\n' < "/proc/$p/cmdline" | grep -E -- ${quote(pattern)}; fi`
      );
    })
    .join('; ');
  const parse = (out: string): Record<string, DaemonOptions> => {
    const res: Record<string, DaemonOptions> = Object.fromEntries(sorted.map((n) => [n, null]));
    let cur: string | undefined;
    for (const line of out.split('\n')) {
      if (line.startsWith('@') && line.slice(1) in res) {
        cur = line.slice(1);
        res[cur] = {};
      } else if (cur && /^--[^=]+=/.test(line)) {
        const eq = line.indexOf('=');
        res[cur]![line.slice(0, eq)] = line.slice(eq + 1);
      }
    }
    return res;
  };
  return defineFact(`process.options:${sorted.join(',')}:${options.join(',')}`, `${script}; true`, parse, {
    reads: [Resource.files, Resource.processes],
    inline: true,
  });
}
