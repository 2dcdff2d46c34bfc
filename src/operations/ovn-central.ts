// OVN central on a master: the NB/SB databases and ovn-northd. One master: its standalone databases,
// started as the `service` module does. 2+ masters: NB and SB are RAFT clusters of all of them - the
// bootstrap master creates each (from its standalone file when one exists, so its data survives), the
// others join; a file that would lose data or belongs to another cluster stops the host with the command
// that fixes it, never wiped silently. Stopped (uninstall): a member leaves the cluster first.
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import { fileContent } from '../facts/files.js';
import { ovnCtlPath } from '../facts/ovn.js';
import { northdDbArgs, ovnDbCluster, type DbClusterState } from '../facts/ovn-cluster.js';
import { systemdRunning } from '../facts/os.js';
import { daemonsRunning } from '../facts/process.js';
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
import type { Db } from '../ovn/endpoint.js';
import { bootstrapMaster, clustered, remoteList } from '../ovn/topology.js';
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

export const ovnCentral = defineModule({
  name: 'ovn_central',
  args: Args,
  facts: ({ state }, ctx) => {
    const base = service.facts({ name: 'ovn-central', state }, ctx);
    if (!clustered(ctx.inventory)) return base;
    return [...base, ovnDbCluster('nb'), ovnDbCluster('sb'), northdDbArgs, fileContent(CENTRAL_DEFAULTS_FILE)];
  },
  plan(args: Args, facts, ctx) {
    // One master: exactly the service module's standalone start and stop.
    if (!clustered(ctx.inventory)) return service.plan({ name: 'ovn-central', state: args.state }, facts, ctx);
    return args.state === 'started' ? planStarted(facts, ctx.inventory, ctx.host) : planStopped(facts);
  },
});

interface Central {
  systemd: boolean;
  ctlPath: string;
  alive: Record<string, boolean>;
  db: Record<Db, DbClusterState>;
}

function read(facts: FactReader): Central {
  return {
    systemd: facts(systemdRunning),
    ctlPath: facts(ovnCtlPath) ?? CTL_SCRIPT_PATHS.ovn[0],
    alive: facts(daemonsRunning(DAEMONS_OF_CENTRAL)),
    db: { nb: facts(ovnDbCluster('nb')), sb: facts(ovnDbCluster('sb')) },
  };
}

/** Stop northd and both servers for a moment (their files change); uninstall stops as the service module does. */
function stopCommand(c: Central): Command {
  if (!c.systemd) return sh`${c.ctlPath} stop_northd`;
  return sh`systemctl stop ${['ovn-central', ...SYSTEMD_UNITS]}`;
}

function planStarted(facts: FactReader, inv: Inventory, host: Host): Plan {
  const c = read(facts);
  const boot = bootstrapMaster(inv);
  const isBoot = host.name === boot.name;
  const fileWork: Command[] = [];
  const notes: string[] = [];
  for (const db of DBS) {
    const st = c.db[db];
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
  const commands: Command[] = [];
  const anyAlive = Object.values(c.alive).some(Boolean);
  if (fileWork.length > 0 && anyAlive) commands.push(stopCommand(c));
  commands.push(...fileWork);
  const options = centralOptions(inv, host);
  const down = DAEMONS_OF_CENTRAL.filter((d) => !c.alive[d]);
  // A member list that changed (a master added or removed) reaches a running northd by restarting it
  // alone: an existing member's database options do not change, so its servers keep running.
  const northd = facts(northdDbArgs);
  const northdStale =
    fileWork.length === 0 &&
    northd !== null &&
    (northd.nb !== remoteList(inv, 'nb') || northd.sb !== remoteList(inv, 'sb'));
  let defaultsChanged = false;
  if (c.systemd) {
    const text = centralDefaultsText(inv, host);
    if (facts(fileContent(CENTRAL_DEFAULTS_FILE)) !== text) {
      commands.push(uploadCommand({ dest: CENTRAL_DEFAULTS_FILE, content: Buffer.from(text), mode: '0644' }));
      notes.push(`write OVN_CTL_OPTS in ${CENTRAL_DEFAULTS_FILE}`);
      defaultsChanged = true;
    }
  }
  if (fileWork.length > 0 || (c.systemd && defaultsChanged && down.length === DAEMONS_OF_CENTRAL.length)) {
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
  for (const db of DBS) {
    const st = c.db[db].status;
    if (st?.role !== 'leader' || st.electionTimerMs === inv.cluster.electionTimerMs) continue;
    commands.push(...electionTimerCommands(db, st.electionTimerMs, inv.cluster.electionTimerMs));
    notes.push(`${db.toUpperCase()} election timer ${st.electionTimerMs} → ${inv.cluster.electionTimerMs} ms`);
  }
  if (commands.length === 0) return noChange(describe(c));
  return { commands, msg: notes.join('; ') };
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
  if (!s.servers.some((m) => m.address === bootAddr))
    throw new TaskFailure(
      `${host.name}'s ${DB} database belongs to another cluster (id ${s.cid}, members ` +
        `${s.servers.map((m) => m.address).join(', ')}), not the one of ${boot.name} (${bootAddr}); ${fix}`,
    );
}

function describe(c: Central): string {
  return DBS.map((db) => {
    const s = c.db[db].status;
    return `${db.toUpperCase()} ${s ? `${s.role}, ${s.servers.length} members` : 'not clustered'}`;
  }).join('; ');
}

/** Leave the clusters (when there is a cluster to leave), then stop; nothing when already stopped. */
function planStopped(facts: FactReader): Plan {
  const c = read(facts);
  if (!Object.values(c.alive).some(Boolean)) return noChange('ovn-central stopped');
  const commands: Command[] = [];
  const left: string[] = [];
  for (const db of DBS) {
    const s = c.db[db].status;
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
