// Facts the health checks (verify) and the uninstall read: listening sockets, the OVN databases as a
// node reaches them over TCP, and the node's chassis as the SB database holds it.
import { remoteReadText, toolName } from '../ovn/dbctl.js';
import type { Db } from '../ovn/endpoint.js';
import { lastLine, parseSbChassis, type SbChassis } from '../ovn/output.js';
import { defineFact } from './fact.js';
import { Resource, dbResource } from './resources.js';

export type { SbChassis } from '../ovn/output.js';

/** TCP ports in LISTEN state (IPv4 and IPv6), from /proc: no ss/netstat needed. */
export const tcpListening = defineFact(
  'net.tcp-listening',
  'cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk \'$4 == "0A" {print $2}\'',
  (out) => {
    const ports = out
      .split('\n')
      .filter(Boolean)
      .map((a) => parseInt(a.split(':').at(-1) ?? '', 16))
      .filter((p) => Number.isInteger(p));
    return [...new Set(ports)].sort((a, b) => a - b);
  },
  { reads: [Resource.listeners], inline: true },
);

export interface Reachability {
  ok: boolean;
  /** The client's own words when it failed (e.g. "database connection failed (Connection refused)"). */
  error: string;
}

/**
 * Whether the NB or SB database answers at `remote` (OVSDB syntax, tcp:host:port) from this host.
 * anyMember: a RAFT follower counts (each member of a cluster is asked on its own).
 */
export function ovnDbReachable(db: Db, remote: string, anyMember = false) {
  const o = { db: remote, leaderOnly: !anyMember };
  return defineFact(
    `ovn.reachable:${db}:${remote}${anyMember ? ':any-member' : ''}`,
    remoteReadText(db, ['get-connection'], o),
    (out, rc): Reachability =>
      rc === 0 ? { ok: true, error: '' } : { ok: false, error: lastLine(out) || `${toolName(db)} exited ${rc}` },
    { reads: [dbResource(db), Resource.listeners] },
  );
}

/** One chassis and its encaps as the SB database at `remote` holds them (asked from this host). */
export function sbChassis(remote: string, name: string) {
  const q = (columns: string[], args: string[]) => remoteReadText('sb', args, { db: remote, json: true, columns });
  return defineFact(
    `ovn.sb-chassis:${remote}:${name}`,
    `{ ${q(['name'], ['find', 'Chassis', `name=${name}`])}; } && ` +
      `{ ${q(['type', 'ip'], ['find', 'Encap', `chassis_name=${name}`])}; }`,
    (out, rc): SbChassis => parseSbChassis(out, rc, toolName('sb')),
    { reads: [Resource.sb, Resource.listeners], inline: true },
  );
}
