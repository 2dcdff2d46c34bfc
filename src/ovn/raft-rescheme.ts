// Turning TLS on (or off) for running NB/SB RAFT clusters: every member's RAFT address changes scheme
// (tcp: ↔ ssl:), and a server's address is in its database file. Each master, in inventory order, leaves
// the clusters and joins again at its new address, so the clusters keep their id, their data and a
// quorum throughout, and clients (ovn-controller, northd) only reconnect. Proven by hand on the lab
// first: a new cluster made from a standalone copy would keep the data but strand running ovn-controllers
// ("clustered database server has stale data").
import type { Host, Inventory } from '../inventory/types.js';
import { raw, sh, type Command } from '../shell/command.js';
import { DB_FILES, centralOptions, clusterCommand, leaveClusterCommand, localRaftAddress } from './central-options.js';
import type { Db, Scheme } from './endpoint.js';
import { serverTlsOptions } from './tls.js';
import { masters } from './topology.js';

/** Seconds a master waits for the masters before it to have moved, and for its own leave. */
export const RESCHEME_WAIT_SECONDS = 120;

/** `ssl` of `ssl:10.0.0.1:6643`. */
export function schemeOf(address: string): Scheme | undefined {
  const s = address.slice(0, address.indexOf(':'));
  return s === 'tcp' || s === 'ssl' ? s : undefined;
}

/** `10.0.0.1:6643` of `ssl:10.0.0.1:6643`: the same server whatever the scheme. */
export function hostPort(address: string): string {
  return address.slice(address.indexOf(':') + 1);
}

/** The inventory as it was before the change: the old scheme's options and addresses. */
function withTls(inv: Inventory, enabled: boolean): Inventory {
  return { ...inv, tls: { ...inv.tls, enabled } };
}

/**
 * The commands that move `master`'s members of `dbs` from `from` to the inventory's scheme:
 * 1. turning TLS on, servers without the TLS files restart with them at their old address (a member
 *    already at ssl: must be able to reach them, and they it);
 * 2. wait, bounded, until every master before this one in inventory order is at its new address;
 * 3. leave the clusters (bounded), stop, keep the files aside, join again at the new address through
 *    the others (the masters before it at their new address, the rest at their old), start.
 * Turning TLS off, the servers keep the TLS files for now (members still at ssl: must reach them); the
 * next install restarts them without.
 */
export function reschemeCommands(
  inv: Inventory,
  master: Host,
  dbs: readonly Db[],
  from: Scheme,
  o: { ctlPath: string; tlsFilesLoaded: boolean },
): Command[] {
  const all = masters(inv);
  const rank = all.findIndex((m) => m.name === master.name);
  const before = all.slice(0, rank);
  const after = all.slice(rank + 1);
  const old = withTls(inv, from === 'ssl');
  const out: Command[] = [];
  const turningOn = from === 'tcp';
  if (turningOn && !o.tlsFilesLoaded)
    out.push(
      sh`${o.ctlPath} stop_northd`,
      sh`${o.ctlPath} start_northd ${[...centralOptions(old, master), ...serverTlsOptions()]}`,
    );
  const tries = RESCHEME_WAIT_SECONDS * 5;
  for (const db of dbs) {
    const status = clusterCommand(db, 'status');
    for (const m of before) {
      const at = ` at ${localRaftAddress(inv, m, db)}`;
      const to = localRaftAddress(inv, m, db);
      const msg = `${db.toUpperCase()}: ${m.name} has not moved to ${to} within ${RESCHEME_WAIT_SECONDS} s`;
      out.push(
        sh`i=0; until ${status} 2>/dev/null | grep -qF -- ${at}; do i=$((i+1)); \
if [ $i -ge ${tries} ]; then echo ${msg} >&2; exit 1; fi; sleep 0.2; done`,
      );
    }
  }
  for (const db of dbs) out.push(leaveClusterCommand(db, RESCHEME_WAIT_SECONDS));
  out.push(sh`${o.ctlPath} stop_northd`);
  for (const db of dbs) {
    const { file, name } = DB_FILES[db];
    const remotes = [
      ...before.map((m) => localRaftAddress(inv, m, db)),
      ...after.map((m) => localRaftAddress(old, m, db)),
    ];
    out.push(
      sh`mv ${file} ${file}.${raw(from)}-$(date +%Y%m%d%H%M%S).bak`,
      sh`ovsdb-tool join-cluster ${file} ${name} ${localRaftAddress(inv, master, db)} ${remotes}`,
    );
  }
  const keepTls = !turningOn ? serverTlsOptions() : [];
  out.push(sh`${o.ctlPath} start_northd ${[...centralOptions(inv, master), ...keepTls]}`);
  return out;
}
