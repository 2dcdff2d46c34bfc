// Facts the health checks (verify) and the uninstall read: listening sockets, the OVN databases as a
// node reaches them over TCP, and the node's chassis as the SB database holds it.
import { quote } from '../shell/quote.js';
import { defineFact } from './fact.js';
import { Resource, dbResource } from './resources.js';

/** TCP ports in LISTEN state (IPv4 and IPv6), from /proc: no ss/netstat needed. */
export const tcpListening = defineFact('net.tcp-listening', "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == \"0A\" {print $2}'", (out) =>
  [...new Set(out.split('\n').filter(Boolean).map((a) => parseInt(a.split(':').at(-1) ?? '', 16)).filter((p) => Number.isInteger(p)))].sort((a, b) => a - b),
  { reads: [Resource.listeners], inline: true },
);

export interface Reachability {
  ok: boolean;
  /** The client's own words when it failed (e.g. "database connection failed (Connection refused)"). */
  error: string;
}

/** Whether the NB or SB database answers at `remote` (OVSDB syntax, tcp:host:port) from this host. */
export function ovnDbReachable(db: 'nb' | 'sb', remote: string) {
  const tool = db === 'nb' ? 'ovn-nbctl' : 'ovn-sbctl';
  return defineFact(`ovn.reachable:${db}:${remote}`, `${tool} --db=${quote(remote)} --timeout=5 get-connection 2>&1`, (out, rc): Reachability =>
    rc === 0 ? { ok: true, error: '' } : { ok: false, error: lastLine(out) || `${tool} exited ${rc}` },
    { reads: [dbResource(db), Resource.listeners] },
  );
}

export interface SbChassis {
  /** The SB database answered. */
  reachable: boolean;
  error: string;
  /** A Chassis row of this name exists. */
  present: boolean;
  encaps: { type: string; ip: string }[];
}

/** One chassis and its encaps as the SB database at `remote` holds them (asked from this host). */
export function sbChassis(remote: string, name: string) {
  const q = `ovn-sbctl --db=${quote(remote)} --timeout=5 --format=json`;
  return defineFact(
    `ovn.sb-chassis:${remote}:${name}`,
    `${q} --columns=name find Chassis name=${quote(name)} 2>&1 && ${q} --columns=type,ip find Encap chassis_name=${quote(name)} 2>&1`,
    (out, rc): SbChassis => parseSbChassis(out, rc),
    { reads: [Resource.sb, Resource.listeners], inline: true },
  );
}

export function parseSbChassis(out: string, rc: number): SbChassis {
  const none = { present: false, encaps: [] };
  if (rc !== 0) return { reachable: false, error: lastLine(out) || `ovn-sbctl exited ${rc}`, ...none };
  const tables = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { data: unknown[][] });
  if (tables.length !== 2) return { reachable: false, error: `unexpected ovn-sbctl output: ${lastLine(out)}`, ...none };
  return {
    reachable: true,
    error: '',
    present: tables[0].data.length > 0,
    encaps: tables[1].data.map((r) => ({ type: String(r[0]), ip: String(r[1]) })),
  };
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}
