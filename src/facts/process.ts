// Facts about running daemons, read from their pidfiles and /proc: works with or without systemd.
import { quote } from '../shell/quote.js';
import { defineFact } from './fact.js';

/** Where each daemon's pidfile may be: OVN moved its run dir from /var/run/openvswitch to /var/run/ovn. */
export const DAEMON_PIDFILES: Record<string, string[]> = {
  'ovsdb-server': ['/var/run/openvswitch/ovsdb-server.pid'],
  'ovs-vswitchd': ['/var/run/openvswitch/ovs-vswitchd.pid'],
  'ovn-northd': ['/var/run/ovn/ovn-northd.pid', '/var/run/openvswitch/ovn-northd.pid'],
  'ovnnb_db': ['/var/run/ovn/ovnnb_db.pid', '/var/run/openvswitch/ovnnb_db.pid'],
  'ovnsb_db': ['/var/run/ovn/ovnsb_db.pid', '/var/run/openvswitch/ovnsb_db.pid'],
  'ovn-controller': ['/var/run/ovn/ovn-controller.pid', '/var/run/openvswitch/ovn-controller.pid'],
};

/** Is each named daemon alive (a pidfile whose pid exists)? */
export function daemonsRunning(names: readonly string[]) {
  const sorted = [...names].sort();
  const script = sorted
    .map((n) => {
      const files = (DAEMON_PIDFILES[n] ?? []).map(quote).join(' ');
      return `r=0; for f in ${files}; do if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then r=1; fi; done; echo ${quote(n)}=$r`;
    })
    .join('; ');
  return defineFact(`process.daemons:${sorted.join(',')}`, script, (out) => {
    const alive: Record<string, boolean> = {};
    for (const n of sorted) alive[n] = false;
    for (const line of out.split('\n')) {
      const [k, v] = line.trim().split('=');
      if (k in alive) alive[k] = v === '1';
    }
    return alive;
  });
}

export interface ProcessInfo {
  pid: number;
  /** sha256 of the argv from `binary` on (one arg per line): compares flags without reading secrets back. */
  argvSha256: string;
}

/**
 * Every process whose argv contains `binary` as a word (scripts run through an interpreter included),
 * with a checksum of its arguments from the binary on, so the token never leaves the host.
 */
export function processesOf(binary: string) {
  const b = quote(binary);
  return defineFact(
    `process.of:${binary}`,
    `for d in /proc/[0-9]*; do c="$d/cmdline"; [ -r "$c" ] || continue; ` +
      `if tr '\\0' '\\n' < "$c" 2>/dev/null | grep -qxF ${b}; then ` +
      `printf '%s %s\\n' "\${d#/proc/}" "$(tr '\\0' '\\n' < "$c" | sed -n "\\|^${escapeSed(binary)}\\$|,\\$p" | sha256sum | cut -d' ' -f1)"; fi; done`,
    (out): ProcessInfo[] =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [pid, sha] = l.split(' ');
          return { pid: Number(pid), argvSha256: sha };
        }),
  );
}

/** Escape a path for a sed address delimited by `|` inside double quotes inside single quotes. */
function escapeSed(path: string): string {
  if (!/^[A-Za-z0-9_./-]+$/.test(path)) throw new Error(`unsupported binary path for process matching: ${path}`);
  return path.replace(/\./g, '\\.');
}
