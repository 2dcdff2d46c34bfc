// Preflight on a master: a database file the install would start as part of another OVN cluster, or that
// would stop the install half-way. What install does with a file (src/operations/ovn-central.ts): one
// master keeps a standalone file (ovn-ctl upgrades it); 2+ masters convert the bootstrap master's standalone
// file into the new cluster, replace an empty standalone file on the others, refuse one with data, check a
// running member's address and cluster, and start a clustered file whose server is down as it is - as the
// member it records, of the cluster it records. So these fail here:
// - one master, a clustered file: ovn-ctl (standalone mode) would start it as a RAFT member of its old
//   cluster, with no leader unless that cluster is still there;
// - 2+ masters, a standalone file with data on a master that joins: ovn_central would stop there;
// - 2+ masters, a clustered file: at another RAFT address than the inventory's, or (not the bootstrap
//   master) of a cluster without the bootstrap master, or (the bootstrap master) of a cluster whose other
//   members are none of the inventory's masters - it would silently serve that other cluster.
import * as z from 'zod';
import { ovnDbCluster, type DbClusterState } from '../../facts/ovn-cluster.js';
import { ovnDbFiles, type DbFile } from '../../facts/preflight-host.js';
import type { Host, Inventory } from '../../inventory/types.js';
import { DB_FILES, DBS, localRaftAddress } from '../../ovn/central-options.js';
import { CTL_SCRIPT_PATHS } from '../../ovn/daemons.js';
import type { Db } from '../../ovn/endpoint.js';
import { hostPort } from '../../ovn/raft-rescheme.js';
import { bootstrapMaster, clustered, masters } from '../../ovn/topology.js';
import type { Fact } from '../../facts/fact.js';
import { defineModule } from '../module.js';
import { fail, pass, verdictPlan, type Verdict } from './verdict.js';

const moveAside = (host: string, file: string) =>
  `on ${host} run '${CTL_SCRIPT_PATHS.ovn[0]} stop_northd && mv ${file} ${file}.other-cluster.bak' ` +
  '(back it up first if its data matters), then install again';

/** Verdicts on one master's NB and SB files; `cluster` is the ovn_central fact, read with 2+ masters only. */
export function ovnDbVerdicts(
  inv: Inventory,
  host: Host,
  files: Record<Db, DbFile>,
  cluster: Record<Db, DbClusterState> | null,
): Verdict[] {
  const out: Verdict[] = [];
  const found: string[] = [];
  for (const db of DBS) {
    const f = files[db];
    const DB = db.toUpperCase();
    const file = DB_FILES[db].file;
    if (!f.exists) {
      found.push(`${DB}: no database yet`);
      continue;
    }
    const members = f.members.length ? ` (members ${f.members.join(', ')})` : '';
    const whichCluster = f.cid ? `cluster ${f.cid}` : 'a cluster';
    if (!clustered(inv)) {
      if (!f.clustered) found.push(`${DB}: standalone, kept`);
      else
        out.push(
          fail(
            `${host.name}'s ${DB} database ${file} is a RAFT member of ${whichCluster}${members}, ` +
              'and with one master the inventory wants a standalone database: ' +
              'ovn-ctl would start it as a member of that cluster',
            `${moveAside(host.name, file)}; or keep its data: ` +
              `ovsdb-tool cluster-to-standalone ${file}.standalone ${file} and move that into ${file}`,
          ),
        );
      continue;
    }
    const boot = bootstrapMaster(inv);
    const isBoot = host.name === boot.name;
    const st = cluster?.[db];
    if (!f.clustered) {
      if (!isBoot && (st?.dataRows ?? 0) > 0)
        out.push(
          fail(
            `${host.name}'s ${DB} database ${file} is standalone and holds ${st?.dataRows} data rows; joining the ` +
              `cluster of ${boot.name} would drop them`,
            `keep them: make ${host.name} the bootstrap master (cluster.bootstrapMaster: ${host.name}) on a fresh ` +
              `cluster; drop them: ${moveAside(host.name, file)}`,
          ),
        );
      else found.push(`${DB}: standalone, ${isBoot ? 'becomes the cluster' : 'replaced by a member'}`);
      continue;
    }
    const want = localRaftAddress(inv, host, db);
    const bootAddr = hostPort(localRaftAddress(inv, boot, db));
    // A running member: what it says now; a stopped one: what its file records (ovn-ctl starts it so).
    const address = f.running ? (st?.status?.address ?? '') : f.localAddress;
    const list = f.running ? (st?.status?.servers.map((s) => s.address) ?? []) : f.members;
    const ids = f.running ? (st?.status?.cid ?? '') : f.cid;
    if (address && hostPort(address) !== hostPort(want)) {
      out.push(
        fail(
          `${host.name}'s ${DB} database ${file} is a RAFT member at ${address}; the inventory wants ${want}`,
          moveAside(host.name, file),
        ),
      );
      continue;
    }
    const others = list.filter((m) => hostPort(m) !== hostPort(want));
    const inventoryMasters = masters(inv).map((m) => hostPort(localRaftAddress(inv, m, db)));
    const foreign = isBoot
      ? others.length > 0 && !others.some((m) => inventoryMasters.includes(hostPort(m)))
      : list.length > 0 && !list.some((m) => hostPort(m) === bootAddr);
    // A running member is judged as ovn_central judges it (a member that is not the bootstrap master, once
    // admitted), no stricter: its cluster is live, and a master removed from the inventory may still count.
    const judged = !f.running || (!isBoot && st?.status?.status === 'cluster member');
    if (foreign && judged) {
      out.push(
        fail(
          `${host.name}'s ${DB} database ${file} belongs to another cluster${ids ? ` (id ${ids})` : ''} with members ` +
            `${list.join(', ')}, not the one of ${boot.name} (${bootAddr}): ` +
            `it would ${f.running ? 'stay' : 'start'} there`,
          moveAside(host.name, file),
        ),
      );
      continue;
    }
    found.push(`${DB}: RAFT member at ${address || want}${f.running ? ', running' : ''}`);
  }
  return out.length ? out : [pass(found.join('; '))];
}

function dbFacts(inv: Inventory): Fact<unknown>[] {
  return clustered(inv) ? [ovnDbFiles, ovnDbCluster('nb'), ovnDbCluster('sb')] : [ovnDbFiles];
}

export const preflightOvnDb = defineModule({
  name: 'preflight_ovn_db',
  args: z.object({}).strict(),
  facts: (_a, { host, inventory: inv }) => (host.roles.includes('master') ? dbFacts(inv) : []),
  plan(_a, facts, { host, inventory: inv }) {
    if (!host.roles.includes('master')) return { commands: [], skip: 'not a master: no OVN databases' };
    const cluster = clustered(inv) ? { nb: facts(ovnDbCluster('nb')), sb: facts(ovnDbCluster('sb')) } : null;
    return verdictPlan(ovnDbVerdicts(inv, host, facts(ovnDbFiles), cluster));
  },
});
