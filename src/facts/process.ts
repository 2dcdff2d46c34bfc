// Facts about running daemons, read from their pidfiles and /proc: works with or without systemd.
import { DAEMONS, type DaemonName } from '../ovn/daemons.js';
import { quote } from '../shell/quote.js';
import { sha256 } from '../util/hash.js';
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
  /** argvSha256() of its argv from `binary` on: compares flags without reading secrets back. */
  argvSha256: string;
}

/** The checksum processesOf reports for a process run as `argv`: each word NUL-ended, as /proc holds it. */
export function argvSha256(argv: readonly string[]): string {
  return sha256(argv.map((a) => `${a}\0`).join(''));
}

/**
 * Every process whose argv contains `binary` as a word (scripts run through an interpreter included),
 * with a checksum of its arguments from the binary on, so the token never leaves the host. One grep
 * finds them, whatever the number of processes (`-z -x`: whole NUL-separated argv words; the last
 * character in brackets keeps grep from matching its own argv), then 2 processes per match.
 */
export function processesOf(binary: string) {
  const re = escapeRe(binary);
  const word = `${binary.slice(0, -1).replace(/\./g, '\\.')}[${binary.slice(-1)}]`;
  return defineFact(
    `process.of:${binary}`,
    `for c in $(grep -lzx -- ${quote(word)} /proc/[0-9]*/cmdline); do p=\${c#/proc/}; printf '%s ' "\${p%/cmdline}"; ` +
      `sed -zn ${quote(`\\|^${re}$|,$p`)} < "$c" | sha256sum; done`,
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
 * The shell finds each daemon's pid (`@name pid` lines), then ONE grep reads every cmdline (`-z`: one
 * argv word per record; `-H`: `/proc/<pid>/cmdline:--name=value`), not a `tr | grep` per daemon.
 */
export function daemonOptions(names: readonly DaemonName[], options: readonly string[]) {
  const sorted = [...names].sort();
  const pattern = `^--(${options.map((o) => o.replace(/^--/, '').replace(/[.-]/g, '\\$&')).join('|')})=`;
  const pids = sorted
    .map((n) => {
      // The first pidfile whose process lives, as daemonsRunning decides (OVN's run dir moved).
      const files = DAEMONS[n].pidfiles.map(quote).join(' ');
      return (
        `p=; for f in ${files}; do q=; if [ -f "$f" ]; then read -r q < "$f"; fi; ` +
        `if [ -n "$q" ] && [ -r "/proc/$q/cmdline" ]; then p=$q; break; fi; done; if [ -n "$p" ]; then ` +
        `echo ${quote(`@${n}`)} "$p"; set -- "$@" "/proc/$p/cmdline"; fi`
      );
    })
    .join('; ');
  const grep = `grep -HazE -- ${quote(pattern)} "$@" | tr '\\0' '\\n'`;
  const script = `set --; ${pids}; if [ $# -gt 0 ]; then ${grep}; fi; true`;
  const parse = (out: string): Record<string, DaemonOptions> => {
    const res: Record<string, DaemonOptions> = Object.fromEntries(sorted.map((n) => [n, null]));
    const byPid = new Map<string, string>();
    for (const line of out.split('\n')) {
      const daemon = /^@(\S+) (\d+)$/.exec(line);
      if (daemon && daemon[1] in res) {
        byPid.set(daemon[2], daemon[1]);
        res[daemon[1]] = {};
        continue;
      }
      const opt = /^\/proc\/(\d+)\/cmdline:(--[^=]+)=(.*)$/.exec(line);
      const name = opt && byPid.get(opt[1]);
      if (opt && name) res[name]![opt[2]] = opt[3];
    }
    return res;
  };
  return defineFact(`process.options:${sorted.join(',')}:${options.join(',')}`, script, parse, {
    reads: [Resource.files, Resource.processes],
    inline: true,
  });
}
