// OVN central with 2+ masters: NB and SB as RAFT clusters of every master. The one place that builds
// what ovn-ctl (OVN 23.03, Debian bookworm) is told - the same options whether they go on its command
// line (no systemd) or in OVN_CTL_OPTS of /etc/default/ovn-central (what Debian's units read) - and the
// ovsdb-tool commands that create, join or convert a database file. Options bookworm's ovn-ctl lacks
// (--db-cluster-schema-upgrade) are never passed.
import type { Host, Inventory } from '../inventory/types.js';
import { sh, type Command } from '../shell/command.js';
import { appctl } from './dbctl.js';
import { DAEMONS } from './daemons.js';
import { remote, type Db } from './endpoint.js';
import { northdTlsOptions, serverTlsOptions, tlsEnabled } from './tls.js';
import { bootstrapMaster, masters, northdRemoteList, raftEndpoint, raftPort } from './topology.js';

/** Where Debian's ovn-central units read OVN_CTL_OPTS from. */
export const CENTRAL_DEFAULTS_FILE = '/etc/default/ovn-central';

export interface DbFiles {
  /** The database file ovn-ctl serves. */
  file: string;
  schema: string;
  /** The schema's name: cluster/status and join-cluster take it. */
  name: 'OVN_Northbound' | 'OVN_Southbound';
  /** The daemon-table entry of its ovsdb-server. */
  daemon: 'ovnnb_db' | 'ovnsb_db';
  /** Tables whose rows are data a user would lose (not the *_Global and Connection rows ovn-ctl makes). */
  dataTables: readonly string[];
}

/** The first line of a clustered (RAFT) database file; a standalone one's is `OVSDB JSON …`. */
export const CLUSTERED_FILE_MAGIC = 'OVSDB CLUSTER';

export const DB_FILES: Record<Db, DbFiles> = {
  nb: {
    file: '/var/lib/ovn/ovnnb_db.db',
    schema: '/usr/share/ovn/ovn-nb.ovsschema',
    name: 'OVN_Northbound',
    daemon: 'ovnnb_db',
    dataTables: ['Logical_Switch', 'Logical_Router', 'Load_Balancer', 'ACL', 'Address_Set', 'Port_Group'],
  },
  sb: {
    file: '/var/lib/ovn/ovnsb_db.db',
    schema: '/usr/share/ovn/ovn-sb.ovsschema',
    name: 'OVN_Southbound',
    daemon: 'ovnsb_db',
    dataTables: ['Chassis', 'Datapath_Binding', 'Port_Binding'],
  },
};

export const DBS: readonly Db[] = ['nb', 'sb'];

/** This master's RAFT address of `db`: `tcp:10.0.0.2:6643`. */
export function localRaftAddress(inv: Inventory, master: Host, db: Db): string {
  return remote(raftEndpoint(inv, master, db));
}

/** The other masters' RAFT addresses of `db`, bootstrap master first: what a joining master asks. */
export function joinRemotes(inv: Inventory, master: Host, db: Db): string[] {
  const boot = bootstrapMaster(inv);
  const others = masters(inv).filter((m) => m.name !== master.name);
  others.sort((a, b) => Number(b.name === boot.name) - Number(a.name === boot.name));
  return others.map((m) => localRaftAddress(inv, m, db));
}

/**
 * ovn-ctl's options for `master`: its RAFT address and port for NB and SB; on a joining master the
 * bootstrap master as the remote (ovn-ctl then neither creates the cluster nor runs `init`); northd
 * given every member, so the one holding the SB lock is active wherever the leader is. With TLS: the
 * servers' key, certificate and CA as files (a joining server has no database to read them from), RAFT
 * over ssl, and northd's own TLS files. One master without TLS: nothing (standalone databases; northd
 * on the local sockets).
 */
export function centralOptions(inv: Inventory, master: Host): string[] {
  const tls = tlsEnabled(inv);
  if (masters(inv).length < 2) return tls ? serverTlsOptions() : [];
  const boot = bootstrapMaster(inv);
  const opts: string[] = [];
  for (const db of DBS) {
    const port = raftPort(inv, db);
    opts.push(`--db-${db}-cluster-local-addr=${addr(master)}`, `--db-${db}-cluster-local-port=${port}`);
    if (tls) opts.push(`--db-${db}-cluster-local-proto=ssl`);
    if (master.name !== boot.name) {
      opts.push(`--db-${db}-cluster-remote-addr=${addr(boot)}`, `--db-${db}-cluster-remote-port=${port}`);
      if (tls) opts.push(`--db-${db}-cluster-remote-proto=ssl`);
    }
  }
  opts.push(`--ovn-northd-nb-db=${northdRemoteList(inv, 'nb')}`, `--ovn-northd-sb-db=${northdRemoteList(inv, 'sb')}`);
  if (tls) opts.push(...serverTlsOptions(), ...northdTlsOptions());
  return opts;
}

/** ovn-ctl joins PROTO:ADDR:PORT itself, so an IPv6 address goes in brackets (as ovn-kubernetes does). */
function addr(h: Host): string {
  return h.address.includes(':') ? `[${h.address}]` : h.address;
}

/** /etc/default/ovn-central with the options on one line (the words are plain: addresses, ports). */
export function centralDefaultsText(inv: Inventory, master: Host): string {
  return (
    '# Written by ovnctl: ovn-ctl options of this master of the NB/SB RAFT clusters.\n' +
    `OVN_CTL_OPTS="${centralOptions(inv, master).join(' ')}"\n`
  );
}

/** `ovs-appctl -t <its server's socket> cluster/<command> <schema> …`: the cluster/* commands of a database. */
export function clusterCommand(db: Db, command: string, ...args: (string | number)[]): Command {
  return appctl(DAEMONS[DB_FILES[db].daemon].ctl, [`cluster/${command}`, DB_FILES[db].name, ...args]);
}

/** Move a database file aside, next to it, under a name that never overwrites an earlier backup. */
export function backupCommand(db: Db): Command {
  const f = DB_FILES[db].file;
  return sh`b=${f}.standalone-$(date +%Y%m%d%H%M%S).bak; mv ${f} "$b" && echo "kept the standalone database as $b"`;
}

/**
 * The bootstrap master's new cluster, empty or (1 → N masters) from the standalone file's contents,
 * which is kept next to it: chassis and logical switches survive.
 */
export function createClusterCommand(inv: Inventory, master: Host, db: Db, fromStandalone: boolean): Command {
  const { file, schema } = DB_FILES[db];
  const local = localRaftAddress(inv, master, db);
  const timer = `--election-timer=${inv.cluster.electionTimerMs}`;
  if (!fromStandalone) return sh`ovsdb-tool ${timer} create-cluster ${file} ${schema} ${local}`;
  // backupCommand leaves the backup's name in $b: the new cluster's first contents.
  return sh`${backupCommand(db)} && ovsdb-tool ${timer} create-cluster ${file} "$b" ${local}`;
}

/** A joining master's database file: it catches up from the members once its server starts. */
export function joinClusterCommand(inv: Inventory, master: Host, db: Db): Command {
  const { file, name } = DB_FILES[db];
  const local = localRaftAddress(inv, master, db);
  return sh`ovsdb-tool join-cluster ${file} ${name} ${local} ${joinRemotes(inv, master, db)}`;
}

/**
 * The leader's election timer towards `want`: OVSDB takes at most a doubling per change, and one change
 * at a time, so each step is retried (bounded) until the previous one has committed.
 */
export function electionTimerCommands(db: Db, current: number, want: number): Command[] {
  const steps: number[] = [];
  for (let t = current; t !== want; ) {
    t = want > t ? Math.min(want, t * 2) : want;
    steps.push(t);
  }
  return steps.map((t) => {
    const change = clusterCommand(db, 'change-election-timer', t);
    return sh`i=0; until ${change}; do i=$((i+1)); [ $i -lt 25 ] || exit 1; sleep 0.2; done`;
  });
}

/**
 * Leave the cluster (uninstall of one master), then wait, bounded, until the server no longer counts
 * itself in: once the others have removed it, it closes the database and cluster/status has no such
 * cluster. In a subshell, so a timeout fails this command only.
 */
export function leaveClusterCommand(db: Db, waitSeconds: number): Command {
  const { name } = DB_FILES[db];
  const status = clusterCommand(db, 'status');
  const leave = clusterCommand(db, 'leave');
  const tries = Math.max(1, Math.round(waitSeconds * 5));
  const giveUp = `${name}: the cluster did not confirm the leave within ${waitSeconds} s`;
  return sh`( ${leave} >/dev/null 2>&1; i=0; \
while ${status} 2>/dev/null | grep -Eq '^Status: (cluster member|leaving cluster|joining cluster)'; do \
i=$((i+1)); if [ $i -ge ${tries} ]; then echo ${giveUp} >&2; exit 1; fi; sleep 0.2; done )`;
}
