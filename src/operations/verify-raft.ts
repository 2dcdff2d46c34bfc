// The health checks of 2+ masters (`ovnctl verify`): each master is a member of the NB and SB RAFT
// clusters that the inventory describes, knows a leader (else: no quorum, said in one line), hears from
// every other member, runs ovn-northd active or standby; and every member reports the same cluster id.
import * as z from 'zod';
import { northdStatus, ovnDbCluster, ovnDbMembers } from '../facts/ovn-cluster.js';
import { clusterCommand, DBS, localRaftAddress } from '../ovn/central-options.js';
import { unconnectedMembers } from '../ovn/cluster-status.js';
import { appctl } from '../ovn/dbctl.js';
import { ctlTarget } from '../ovn/daemons.js';
import type { Db } from '../ovn/endpoint.js';
import { clientEndpoints, clustered, masters } from '../ovn/topology.js';
import { remote } from '../ovn/endpoint.js';
import type { Inventory } from '../inventory/types.js';
import { defineModule, noChange } from './module.js';
import { unhealthy } from './verify.js';

const statusHint = (db: Db) => clusterCommand(db, 'status').display;

/** The master's name for a RAFT address of the inventory, else the address itself. */
function memberName(inv: Inventory, db: Db, address: string): string {
  return masters(inv).find((m) => localRaftAddress(inv, m, db) === address)?.name ?? address;
}

export const verifyRaft = defineModule({
  name: 'verify_raft',
  args: z.object({}).strict(),
  facts: (_a, { inventory }) => (clustered(inventory) ? [ovnDbCluster('nb'), ovnDbCluster('sb'), northdStatus] : []),
  plan(_a, facts, { inventory }) {
    if (!clustered(inventory)) return { commands: [], skip: 'one master: standalone databases' };
    const seen: string[] = [];
    for (const db of DBS) {
      const DB = db.toUpperCase();
      const s = facts(ovnDbCluster(db)).status;
      const hint = statusHint(db);
      if (!s) throw unhealthy(`${DB}: this master's server is not a running RAFT member`, hint);
      const heard = s.servers.length - unconnectedMembers(s).length;
      // A member that lost its leader says "disconnected from the cluster (election timeout)".
      if (s.status.startsWith('disconnected'))
        throw unhealthy(
          `no quorum: ${DB} ${s.status} (this member reaches ${heard - 1} of the ${s.servers.length - 1} others)`,
          hint,
        );
      if (s.status !== 'cluster member') throw unhealthy(`${DB}: ${s.status}, not a cluster member`, hint);
      if (s.leader === null)
        throw unhealthy(
          `no quorum: ${DB} has no leader (this member reaches ${heard - 1} of the ${s.servers.length - 1} others)`,
          hint,
        );
      const want = masters(inventory).map((m) => localRaftAddress(inventory, m, db));
      const have = s.servers.map((m) => m.address);
      const missing = want.filter((a) => !have.includes(a)).map((a) => memberName(inventory, db, a));
      const extra = have.filter((a) => !want.includes(a));
      if (missing.length || extra.length) {
        const parts = [
          missing.length ? `${missing.join(', ')} not members` : '',
          extra.length ? `members not in the inventory: ${extra.join(', ')}` : '',
        ];
        throw unhealthy(`${DB} cluster ${s.cid.slice(0, 8)}: ${parts.filter(Boolean).join('; ')}`, hint);
      }
      const lost = unconnectedMembers(s).map((m) => memberName(inventory, db, m.address));
      if (lost.length) throw unhealthy(`${DB}: not connected to ${lost.join(', ')}`, hint);
      seen.push(`${DB} ${s.role} of ${s.servers.length} (cluster ${s.cid.slice(0, 8)})`);
    }
    const northd = facts(northdStatus);
    if (northd !== 'active' && northd !== 'standby')
      throw unhealthy(
        `ovn-northd ${northd === null ? 'does not answer' : `is ${northd}`}`,
        appctl(ctlTarget('ovn-northd'), ['status']).display,
      );
    return noChange(`${seen.join('; ')}; northd ${northd}`);
  },
});

/** Run once: every member answers over its client port, with one cluster id per database, and a leader. */
export const verifyRaftCluster = defineModule({
  name: 'verify_raft_cluster',
  args: z.object({}).strict(),
  facts: (_a, { inventory }) =>
    clustered(inventory) ? DBS.map((db) => ovnDbMembers(db, clientEndpoints(inventory, db).map(remote))) : [],
  plan(_a, facts, { inventory }) {
    if (!clustered(inventory)) return { commands: [], skip: 'one master: standalone databases' };
    const seen: string[] = [];
    for (const db of DBS) {
      const DB = db.toUpperCase();
      const remotes = clientEndpoints(inventory, db).map(remote);
      const answers = facts(ovnDbMembers(db, remotes));
      const names = masters(inventory).map((m) => m.name);
      const silent = remotes.filter((r) => !answers[r]).map((r) => names[remotes.indexOf(r)]);
      const up = remotes.filter((r) => answers[r]?.connected);
      const hint = `ovsdb-client --timeout=5 query ${remotes[0]} '["_Server",{"op":"select","table":"Database"}]'`;
      if (up.length * 2 <= remotes.length)
        throw unhealthy(
          `no quorum: ${DB} has ${up.length} of ${remotes.length} members connected` +
            (silent.length ? ` (${silent.join(', ')} do not answer)` : ''),
          hint,
        );
      const cids = [...new Set(remotes.map((r) => answers[r]?.cid).filter(Boolean))];
      if (cids.length > 1)
        throw unhealthy(
          `${DB}: members report ${cids.length} cluster ids: ` +
            remotes
              .filter((r) => answers[r])
              .map((r) => `${names[remotes.indexOf(r)]} ${answers[r]!.cid.slice(0, 8)}`)
              .join(', '),
          hint,
        );
      if (silent.length) throw unhealthy(`${DB}: ${silent.join(', ')} do not answer`, hint);
      if (!remotes.some((r) => answers[r]?.leader)) throw unhealthy(`no quorum: ${DB} has no leader`, hint);
      seen.push(`${DB} cluster ${cids[0]?.slice(0, 8)}: ${up.length} of ${remotes.length} members`);
    }
    return noChange(seen.join('; '));
  },
});

export const VERIFY_RAFT_MODULES = [verifyRaft, verifyRaftCluster];
