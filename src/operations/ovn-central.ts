// OVN central on a master: the NB/SB databases and ovn-northd. One master: its standalone databases,
// started as the `service` module does. 2+ masters: NB and SB are RAFT clusters of all of them - the
// bootstrap master creates each (from its standalone file when one exists, so its data survives), the
// others join; a file that would lose data or belongs to another cluster stops the host with the command
// that fixes it, never wiped silently. Stopped (uninstall): a member leaves the cluster first.
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import { fileContent } from '../facts/files.js';
import { ovnCtlPath } from '../facts/ovn.js';
import { ovnDbCluster, type DbClusterState } from '../facts/ovn-cluster.js';
import { systemdRunning } from '../facts/os.js';
import { daemonOptions, daemonsRunning } from '../facts/process.js';
import type { Host, Inventory } from '../inventory/types.js';
import {
  CENTRAL_DEFAULTS_FILE,
  DB_FILES,
  backupCommand,
  DBS,
  centralDefaultsText,
  centralOptions,
  createClusterCommand,
  electionTimerCommands,
  joinClusterCommand,
  leaveClusterCommand,
  localRaftAddress,
} from '../ovn/central-options.js';
import { CTL_SCRIPT_PATHS, DAEMONS, SERVICES, daemonsOf } from '../ovn/daemons.js';
import type { Db, Scheme } from '../ovn/endpoint.js';
import { hostPort, reschemeCommands, schemeOf } from '../ovn/raft-rescheme.js';
import { TLS_FILES } from '../ovn/tls.js';
import { bootstrapMaster, clustered, northdRemoteList, scheme } from '../ovn/topology.js';
import { sh, type Command } from '../shell/command.js';
import { uploadCommand } from '../shell/upload.js';
import { defineModule, noChange, type FactReader, type Plan } from './module.js';
import { service, serviceCommand } from './services.js';

/** Seconds a leaving master waits for the cluster to confirm it is out. */
export const LEAVE_WAIT_SECONDS = 15;

const Args = z.object({ state: z.enum(['started', 'stopped']).default('started') }).strict();
type Args = z.infer<typeof Args>;

const DAEMONS_OF_CENTRAL = daemonsOf('ovn-central');
const SYSTEMD_UNITS = ['ovn-northd', 'ovn-ovsdb-server-nb', 'ovn-ovsdb-server-sb'];
/** What the running daemons were given that ovnctl decides: northd's databases, and TLS (the key file). */
const runningOptions = daemonOptions(DAEMONS_OF_CENTRAL, ['--ovnnb-db', '--ovnsb-db', '--private-key']);

export const ovnCentral = defineModule({
  name: 'ovn_central',
  args: Args,
  facts: ({ state }, ctx) => {
    const base = [...service.facts({ name: 'ovn-central', state }, ctx), runningOptions];
    const options = [...base, fileContent(CENTRAL_DEFAULTS_FILE)];
    if (!clustered(ctx.inventory)) return options;
    return [...options, ovnDbCluster('nb'), ovnDbCluster('sb')];
  },
  plan(args: Args, facts, ctx) {
    const inv = ctx.inventory;
    if (!clustered(inv)) {
      // One master: the service module's standalone start and stop, unless TLS is on or changes: then
      // the servers run with (or without) the TLS files, so they are started with ovnctl's options.
      const base = service.plan({ name: 'ovn-central', state: args.state }, facts, ctx);
      const plain = !inv.tls.enabled && !tlsStale(inv, facts(runningOptions));
      if (args.state === 'stopped' || plain) return base;
    }
    return args.state === 'started' ? planStarted(facts, inv, ctx.host) : planStopped(facts, inv);
  },
});

interface Central {
  systemd: boolean;
  ctlPath: string;
  alive: Record<string, boolean>;
  /** Standalone databases (one master): no cluster state. */
  db: Record<Db, DbClusterState> | null;
}

function read(facts: FactReader, inv: Inventory): Central {
  return {
    systemd: facts(systemdRunning),
    ctlPath: facts(ovnCtlPath) ?? CTL_SCRIPT_PATHS.ovn[0],
    alive: facts(daemonsRunning(DAEMONS_OF_CENTRAL)),
    db: clustered(inv) ? { nb: facts(ovnDbCluster('nb')), sb: facts(ovnDbCluster('sb')) } : null,
  };
}

/** A running database server whose TLS (the key file it was given) is not what the inventory wants. */
function tlsStale(inv: Inventory, running: Record<string, Record<string, string> | null>): boolean {
  return (['ovnnb_db', 'ovnsb_db'] as const).some((d) => {
    const o = running[d];
    return o !== null && (o['--private-key'] === TLS_FILES.key) !== inv.tls.enabled;
  });
}

/** Stop northd and both servers for a moment (their files change); uninstall stops as the service module does. */
function stopCommand(c: Central): Command {
  if (!c.systemd) return sh`${c.ctlPath} stop_northd`;
  return sh`systemctl stop ${['ovn-central', ...SYSTEMD_UNITS]}`;
}

function planStarted(facts: FactReader, inv: Inventory, host: Host): Plan {
  const c = read(facts, inv);
  const moving = c.db ? reschemed(inv, c.db) : null;
  if (moving) {
    const tlsFilesLoaded = facts(runningOptions).ovnnb_db?.['--private-key'] === TLS_FILES.key;
    const to = scheme(inv) === 'ssl' ? 'TLS' : 'plain TCP';
    const which = moving.dbs.map((d) => d.toUpperCase()).join(' and ');
    return {
      commands: reschemeCommands(inv, host, moving.dbs, moving.from, { ctlPath: c.ctlPath, tlsFilesLoaded }),
      msg: `move this master's ${which} RAFT member to ${to} (leave, join again)`,
    };
  }
  const fileWork: Command[] = [];
  const notes: string[] = [];
  if (c.db) clusterFileWork(c, c.db, inv, host, fileWork, notes);
  const commands: Command[] = [];
  const anyAlive = Object.values(c.alive).some(Boolean);
  const running = facts(runningOptions);
  // TLS turned on or off: the servers restart with (without) the key, certificate and CA files.
  const serversStale = fileWork.length === 0 && tlsStale(inv, running);
  if ((fileWork.length > 0 || serversStale) && anyAlive) commands.push(stopCommand(c));
  if (serversStale) notes.push(`restart ovn-central ${inv.tls.enabled ? 'with' : 'without'} TLS`);
  commands.push(...fileWork);
  const options = centralOptions(inv, host);
  const down = DAEMONS_OF_CENTRAL.filter((d) => !c.alive[d]);
  // A member list that changed (a master added or removed) or TLS for its remotes reaches a running
  // northd by restarting it alone: the servers' options stay, so they keep running.
  const northd = running['ovn-northd'];
  const northdStale =
    c.db !== null &&
    fileWork.length === 0 &&
    !serversStale &&
    northd !== null &&
    (northd['--ovnnb-db'] !== northdRemoteList(inv, 'nb') ||
      northd['--ovnsb-db'] !== northdRemoteList(inv, 'sb') ||
      (northd['--private-key'] === TLS_FILES.key) !== inv.tls.enabled);
  let defaultsChanged = false;
  if (c.systemd) {
    const text = centralDefaultsText(inv, host);
    if (facts(fileContent(CENTRAL_DEFAULTS_FILE)) !== text) {
      commands.push(uploadCommand({ dest: CENTRAL_DEFAULTS_FILE, content: Buffer.from(text), mode: '0644' }));
      notes.push(`write OVN_CTL_OPTS in ${CENTRAL_DEFAULTS_FILE}`);
      defaultsChanged = true;
    }
  }
  const allDown = down.length === DAEMONS_OF_CENTRAL.length;
  if (fileWork.length > 0 || serversStale || (c.systemd && defaultsChanged && allDown)) {
    if (c.systemd)
      commands.push(sh`systemctl enable ovn-central && systemctl restart ${['ovn-central', ...SYSTEMD_UNITS]}`);
    else commands.push(sh`${c.ctlPath} start_northd ${options}`);
  } else {
    if (northdStale || (c.systemd && defaultsChanged && c.alive['ovn-northd'])) {
      commands.push(c.systemd ? sh`systemctl restart ovn-northd` : sh`${c.ctlPath} --ovn-manage-ovsdb=no stop_northd`);
      notes.push('restart ovn-northd with the members of the cluster');
    }
    const startNorthd = northdStale && !c.systemd;
    if (down.length > 0 || startNorthd) {
      if (c.systemd)
        commands.push(sh`systemctl enable ovn-central && systemctl start ${['ovn-central', ...SYSTEMD_UNITS]}`);
      else commands.push(sh`${c.ctlPath} start_northd ${options}`);
      if (down.length > 0) notes.push(`start ${SERVICES['ovn-central'].unit} (${down.join(', ')} not running)`);
    }
  }
  // The election timer of a running cluster changes through its leader only: the other masters skip it.
  for (const db of c.db ? DBS : []) {
    const st = c.db![db].status;
    if (st?.role !== 'leader' || st.electionTimerMs === inv.cluster.electionTimerMs) continue;
    commands.push(...electionTimerCommands(db, st.electionTimerMs, inv.cluster.electionTimerMs));
    notes.push(`${db.toUpperCase()} election timer ${st.electionTimerMs} → ${inv.cluster.electionTimerMs} ms`);
  }
  if (commands.length === 0) return noChange(describe(c));
  return { commands, msg: notes.join('; ') };
}

/** The running members of this master whose RAFT address has the other scheme (TLS turned on or off). */
function reschemed(inv: Inventory, db: Record<Db, DbClusterState>): { dbs: Db[]; from: Scheme } | null {
  const want = scheme(inv);
  const dbs = DBS.filter((d) => {
    const a = db[d].status?.address;
    return a !== undefined && a !== '' && schemeOf(a) !== want;
  });
  if (dbs.length === 0) return null;
  return { dbs, from: want === 'ssl' ? 'tcp' : 'ssl' };
}

/** With 2+ masters: what each database file needs (create, join, convert) before the servers start. */
function clusterFileWork(
  c: Central,
  dbState: Record<Db, DbClusterState>,
  inv: Inventory,
  host: Host,
  fileWork: Command[],
  notes: string[],
): void {
  const boot = bootstrapMaster(inv);
  const isBoot = host.name === boot.name;
  for (const db of DBS) {
    const st = dbState[db];
    const DB = db.toUpperCase();
    const file = DB_FILES[db].file;
    if (st.status) {
      checkMembership(inv, host, db, st);
      continue;
    }
    if (!st.exists) {
      fileWork.push(isBoot ? createClusterCommand(inv, host, db, false) : joinClusterCommand(inv, host, db));
      notes.push(isBoot ? `create the ${DB} cluster` : `join the ${DB} cluster`);
    } else if (!st.clustered) {
      if (isBoot) {
        fileWork.push(createClusterCommand(inv, host, db, true));
        notes.push(`convert the standalone ${DB} database into the cluster's first contents`);
      } else if (st.dataRows > 0) {
        throw new TaskFailure(
          `${host.name}'s ${DB} database ${file} is standalone and holds ${st.dataRows} data rows; joining the ` +
            `cluster of ${boot.name} would drop them. Keep them: make ${host.name} the bootstrap master ` +
            `(cluster.bootstrapMaster: ${host.name}) on a fresh cluster. Drop them: on ${host.name} run ` +
            `'${c.ctlPath} stop_northd && mv ${file} ${file}.bak', then install again`,
        );
      } else {
        fileWork.push(backupCommand(db), joinClusterCommand(inv, host, db));
        notes.push(`replace the empty standalone ${DB} database by a member of the cluster`);
      }
    }
    // A clustered file whose server is down: ovn-ctl starts it with the same options; nothing to do here.
  }
}

/** A running member must serve the inventory's RAFT address, in the cluster the bootstrap master is in. */
function checkMembership(inv: Inventory, host: Host, db: Db, st: DbClusterState): void {
  const s = st.status!;
  const DB = db.toUpperCase();
  const want = localRaftAddress(inv, host, db);
  const file = DB_FILES[db].file;
  const fix =
    `on ${host.name} run '${CTL_SCRIPT_PATHS.ovn[0]} stop_northd && mv ${file} ${file}.other-cluster.bak', ` +
    'then install again';
  if (s.address && s.address !== want)
    throw new TaskFailure(
      `${host.name}'s ${DB} server is a RAFT member at ${s.address}, the inventory wants ${want}; ${fix}`,
    );
  const boot = bootstrapMaster(inv);
  // Still joining on a later run: the members never admitted it (ovn-ctl's own start waits up to 30 s).
  if (s.status === 'joining cluster')
    throw new TaskFailure(
      `${host.name}'s ${DB} server is still joining: the cluster has not admitted it; see why in the leader's ` +
        `log (${DAEMONS[DB_FILES[db].daemon].log} on ${boot.name}); ${fix}`,
    );
  if (host.name === boot.name || s.status !== 'cluster member') return;
  const bootAddr = localRaftAddress(inv, boot, db);
  // Scheme aside: while TLS is turned on or off, members are at tcp: and ssl: addresses at once.
  if (!s.servers.some((m) => hostPort(m.address) === hostPort(bootAddr)))
    throw new TaskFailure(
      `${host.name}'s ${DB} database belongs to another cluster (id ${s.cid}, members ` +
        `${s.servers.map((m) => m.address).join(', ')}), not the one of ${boot.name} (${bootAddr}); ${fix}`,
    );
}

function describe(c: Central): string {
  if (c.db === null) return 'ovn-northd, ovnnb_db, ovnsb_db running';
  const dbs = c.db;
  return DBS.map((db) => {
    const s = dbs[db].status;
    return `${db.toUpperCase()} ${s ? `${s.role}, ${s.servers.length} members` : 'not clustered'}`;
  }).join('; ');
}

/** Leave the clusters (when there is a cluster to leave), then stop; nothing when already stopped. */
function planStopped(facts: FactReader, inv: Inventory): Plan {
  const c = read(facts, inv);
  if (!Object.values(c.alive).some(Boolean)) return noChange('ovn-central stopped');
  const commands: Command[] = [];
  const left: string[] = [];
  for (const db of DBS) {
    const s = c.db?.[db].status;
    // The last member has no cluster to leave; a member without a leader could not get its leave committed.
    if (s?.status !== 'cluster member' || s.servers.length < 2 || s.leader === null) continue;
    // Bounded and not fatal: the stop and the file removal must happen even when the cluster is gone.
    commands.push(sh`${leaveClusterCommand(db, LEAVE_WAIT_SECONDS)} || true`);
    left.push(db.toUpperCase());
  }
  commands.push(serviceCommand(SERVICES['ovn-central'], 'stop', c.systemd, c.ctlPath));
  return {
    commands,
    msg: left.length
      ? `leave the ${left.join(' and ')} cluster${left.length > 1 ? 's' : ''}, stop ovn-central`
      : 'stop ovn-central',
  };
}
