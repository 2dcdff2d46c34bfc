// Who serves the OVN databases and where the rest of the cluster finds them: the masters in inventory
// order, the bootstrap master (it creates what exists once: the RAFT clusters, the smoke switch), each
// master's endpoints, and the remote lists that ovn-controller, northd and ovnkube are given.
import type { Host, Inventory } from '../inventory/types.js';
import { passive, remote, url, type Db, type Endpoint, type Scheme } from './endpoint.js';
import type { Listener } from './output.js';

/** Plain TCP until the inventory asks for TLS (tls.enabled): the one place the scheme is decided. */
export function scheme(inv: Inventory): Scheme {
  return inv.tls.enabled ? 'ssl' : 'tcp';
}

/** The masters, in inventory order. */
export function masters(inv: Inventory): Host[] {
  return inv.hosts.filter((h) => h.roles.includes('master'));
}

/** 2+ masters: NB and SB are RAFT clusters of all of them; one master keeps standalone databases. */
export function clustered(inv: Inventory): boolean {
  return masters(inv).length > 1;
}

/**
 * The master that creates what exists once (the RAFT clusters, the smoke switch): cluster.bootstrapMaster,
 * which the inventory defaults to the first master and checks is one (inventory/checks.ts).
 */
export function bootstrapMaster(inv: Inventory): Host {
  const all = masters(inv);
  const named = all.find((m) => m.name === inv.cluster.bootstrapMaster) ?? all[0];
  if (!named) throw new Error('the inventory has no master');
  return named;
}

/** The one master that runs ovnkube -init-master (ovnkube.master, default the bootstrap master). */
export function ovnkubeMaster(inv: Inventory): Host {
  return masters(inv).find((m) => m.name === inv.ovnkube.master) ?? bootstrapMaster(inv);
}

/** The RAFT port of a database between masters: cluster.nbRaftPort / cluster.sbRaftPort. */
export function raftPort(inv: Inventory, db: Db): number {
  return db === 'nb' ? inv.cluster.nbRaftPort : inv.cluster.sbRaftPort;
}

/** The client port of a database: cluster.nbPort / cluster.sbPort. */
export function clientPort(inv: Inventory, db: Db): number {
  return db === 'nb' ? inv.cluster.nbPort : inv.cluster.sbPort;
}

/** Where clients reach `db` on `master`. */
export function clientEndpoint(inv: Inventory, master: Host, db: Db): Endpoint {
  return { scheme: scheme(inv), address: master.address, port: clientPort(inv, db) };
}

/** Where the other masters reach `db`'s RAFT server on `master`. */
export function raftEndpoint(inv: Inventory, master: Host, db: Db): Endpoint {
  return { scheme: scheme(inv), address: master.address, port: raftPort(inv, db) };
}

/** Every master's client endpoint of `db`, in inventory order. */
export function clientEndpoints(inv: Inventory, db: Db): Endpoint[] {
  return masters(inv).map((m) => clientEndpoint(inv, m, db));
}

/** What ovn-controller's ovn-remote / ovn-nb and `--db=` take: `tcp:m1:6642,tcp:m2:6642`. */
export function remoteList(inv: Inventory, db: Db): string {
  return clientEndpoints(inv, db).map(remote).join(',');
}

/** What ovnkube's -nb-address / -sb-address take: `tcp://m1:6641,tcp://m2:6641`. */
export function addressList(inv: Inventory, db: Db): string {
  return clientEndpoints(inv, db).map(url).join(',');
}

/** What a master's `db` listens on for clients: `ptcp:6641`. */
export function listenTarget(inv: Inventory, db: Db): string {
  return passive(scheme(inv), clientPort(inv, db));
}

/** Every master's RAFT endpoint of `db`, in inventory order. */
export function raftEndpoints(inv: Inventory, db: Db): Endpoint[] {
  return masters(inv).map((m) => raftEndpoint(inv, m, db));
}

/**
 * What `db` listens on for clients, as Connection rows. With TLS the SB's client port has the RBAC role
 * ovn-controller (a node may change only its own chassis); with 2+ masters ovn-northd, which writes
 * everywhere and must reach the leader on another master, gets its own listener without a role.
 */
export function listeners(inv: Inventory, db: Db, port: number = clientPort(inv, db)): WantedListener[] {
  const row = (s: Scheme, p: number, role: string) => ({ target: passive(s, p), role, scheme: s, port: p });
  if (db === 'nb' || !inv.tls.enabled) return [row(scheme(inv), port, '')];
  const out = [row('ssl', port, 'ovn-controller')];
  if (clustered(inv)) out.push(row('ssl', inv.cluster.sbNorthdPort, ''));
  return out;
}

/** How a listener reads in messages: `TCP 6641`, `TLS 6642 (RBAC role ovn-controller)`. */
export function describeListener(l: WantedListener): string {
  return `${l.scheme === 'ssl' ? 'TLS' : 'TCP'} ${l.port}${l.role ? ` (RBAC role ${l.role})` : ''}`;
}

/** A Connection row ovnctl wants, with the scheme and port its target spells. */
export interface WantedListener extends Listener {
  scheme: Scheme;
  port: number;
}

/** ovn-northd's remote list of `db` with 2+ masters: the SB's northd listener when it is TLS. */
export function northdRemoteList(inv: Inventory, db: Db): string {
  if (db === 'nb' || !inv.tls.enabled) return remoteList(inv, db);
  return masters(inv)
    .map((m) => remote({ scheme: 'ssl', address: m.address, port: inv.cluster.sbNorthdPort }))
    .join(',');
}
