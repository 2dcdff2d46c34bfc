// The health checks of `ovnctl verify`: read-only modules that never yield a command. Healthy = "ok"
// with what was seen; unhealthy = TaskFailure saying what is wrong and the command to look closer.
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import { ovnDbConnection } from '../facts/ovn.js';
import { ovsBridges, ovsExternalIds } from '../facts/ovs.js';
import { daemonsRunning, processesOf } from '../facts/process.js';
import { ovnDbReachable, sbChassis, tcpListening } from '../facts/verify.js';
import { DAEMON_NAMES, DAEMONS, type DaemonName } from '../ovn/daemons.js';
import { ctlText } from '../ovn/dbctl.js';
import { listensOn, REMOTE_LIST_RE } from '../ovn/endpoint.js';
import { clustered, describeListener, listeners } from '../ovn/topology.js';
import { quote } from '../shell/quote.js';
import { defineModule, noChange } from './module.js';
import { expectedOvnkubeArgvSha, ovnkubeArgvFacts } from './ovnkube.js';
import { ovnkubeRole } from './ovnkube-flags.js';

/** A failed check: what is wrong, then the command that shows more. */
export function unhealthy(what: string, lookCloser: string): TaskFailure {
  return new TaskFailure(`${what}; look closer: ${lookCloser}`);
}

const daemonName = z.enum(DAEMON_NAMES as [DaemonName, ...DaemonName[]]);
const remote = z.string().regex(REMOTE_LIST_RE, 'OVSDB remotes like tcp:10.0.0.10:6642, comma-separated');
/** The hint of a check: the read it made, as the user would type it. */
const read = (db: 'nb' | 'sb' | 'vswitch', args: string[], on?: string) =>
  ctlText(db, args, on !== undefined ? { db: on } : {});

export const verifyDaemons = defineModule({
  name: 'verify_daemons',
  args: z.object({ daemons: z.array(daemonName).min(1) }).strict(),
  facts: ({ daemons }) => [daemonsRunning(daemons)],
  plan({ daemons }, facts) {
    const alive = facts(daemonsRunning(daemons));
    const down = daemons.filter((d) => !alive[d]);
    if (down.length === 0) return noChange(`${daemons.join(', ')} running`);
    const where = down.map((d) => DAEMONS[d].pidfiles[0]).join(', ');
    const logs = down.map((d) => DAEMONS[d].log).join(' ');
    throw unhealthy(`${down.join(', ')} not running (no live process in ${where})`, `tail -n 30 ${logs}`);
  },
});

export const verifyDbListening = defineModule({
  name: 'verify_db_listening',
  args: z.object({ db: z.enum(['nb', 'sb']), port: z.number().int().min(1).max(65535) }).strict(),
  // With 2+ masters the local server may be a follower: any member answers (ovsdb.ts does the same).
  facts: ({ db }, { inventory }) => [ovnDbConnection(db, clustered(inventory)), tcpListening],
  plan({ db, port }, facts, { inventory }) {
    const DB = db.toUpperCase();
    const rows = facts(ovnDbConnection(db, clustered(inventory)));
    const look = read(db, ['get-connection']);
    if (rows === null) throw unhealthy(`the ${DB} database does not answer on its local socket`, look);
    const want = listeners(inventory, db, port);
    const seen = rows.map((r) => (r.role ? `${r.target} (role ${r.role})` : r.target)).join(' ') || 'none';
    for (const w of want) {
      if (!rows.some((r) => listensOn(r.target, w.scheme, w.port) && r.role === w.role)) {
        throw unhealthy(
          `the ${DB} database is not configured to listen on ${describeListener(w)} (connections: ${seen})`,
          look,
        );
      }
      if (!facts(tcpListening).includes(w.port))
        throw unhealthy(
          `nothing listens on TCP port ${w.port} although the ${DB} database is configured to`,
          `ss -ltnp`,
        );
    }
    return noChange(`${DB} listens on ${want.map(describeListener).join(', ')}`);
  },
});

/** Each master's database, asked from this host at the address the nodes use. */
export const verifyDbReachable = defineModule({
  name: 'verify_db_reachable',
  args: z.object({ db: z.enum(['nb', 'sb']), remote }).strict(),
  // With 2+ masters every member is asked on its own, followers included.
  facts: ({ db, remote: r }, { inventory }) => r.split(',').map((one) => ovnDbReachable(db, one, clustered(inventory))),
  plan({ db, remote: r }, facts, { host, inventory }) {
    const failed = r
      .split(',')
      .map((one) => ({ one, res: facts(ovnDbReachable(db, one, clustered(inventory))) }))
      .filter((x) => !x.res.ok);
    if (failed.length === 0) return noChange(`${db.toUpperCase()} answers at ${r}`);
    const first = failed[0].one;
    throw unhealthy(
      `${host.name} cannot reach the ${db.toUpperCase()} database at ` +
        `${failed.map((f) => `${f.one} (${f.res.error})`).join(', ')}`,
      `${read(db, ['get-connection'], first)} (on ${host.name})`,
    );
  },
});

export const verifyExternalIds = defineModule({
  name: 'verify_external_ids',
  args: z
    .object({
      ids: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), z.union([z.string(), z.number()]).transform(String)),
    })
    .strict(),
  facts: () => [ovsExternalIds],
  plan({ ids }, facts) {
    const current = facts(ovsExternalIds);
    if (current === null)
      throw unhealthy('Open vSwitch does not answer (ovsdb-server down?)', read('vswitch', ['show']));
    const wrong = Object.entries(ids).filter(([k, v]) => current[k] !== v);
    if (wrong.length === 0)
      return noChange(
        Object.entries(ids)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      );
    const what = wrong
      .map(([k, v]) => `${k} is ${k in current ? current[k] : '(unset)'}, the inventory implies ${v}`)
      .join('; ');
    throw unhealthy(
      `external_ids differ: ${what} (ovnctl install sets them)`,
      read('vswitch', ['get', 'Open_vSwitch', '.', 'external_ids']),
    );
  },
});

export const verifyBridge = defineModule({
  name: 'verify_bridge',
  args: z.object({ name: z.string().min(1) }).strict(),
  facts: () => [ovsBridges],
  plan({ name }, facts) {
    const bridges = facts(ovsBridges);
    if (bridges === null)
      throw unhealthy('Open vSwitch does not answer (ovsdb-server down?)', read('vswitch', ['show']));
    if (!bridges.includes(name)) {
      const look = `${read('vswitch', ['show'])}; tail -n 30 ${DAEMONS['ovn-controller'].log}`;
      throw unhealthy(`bridge ${name} does not exist (ovn-controller creates it)`, look);
    }
    return noChange(`${name} exists`);
  },
});

/** The node's chassis as the SB database (asked over the node's remote) holds it. */
export const verifyChassis = defineModule({
  name: 'verify_chassis',
  args: z
    .object({ remote, name: z.string().min(1), encapType: z.string().min(1), encapIp: z.string().min(1) })
    .strict(),
  facts: ({ remote: r, name }) => [sbChassis(r, name)],
  plan({ remote: r, name, encapType, encapIp }, facts) {
    const c = facts(sbChassis(r, name));
    const look = read('sb', ['show'], r);
    if (!c.reachable) {
      throw unhealthy(
        `cannot ask the SB database at ${r} for chassis ${name}: ${c.error}`,
        read('sb', ['get-connection'], r),
      );
    }
    if (!c.present)
      throw unhealthy(
        `chassis ${name} is not registered in the SB database (is ovn-controller running and pointed at ${r}?)`,
        look,
      );
    const missing = encapType.split(',').filter((t) => !c.encaps.some((e) => e.type === t && e.ip === encapIp));
    if (missing.length > 0) {
      const seen = c.encaps.map((e) => `${e.type} ${e.ip}`).join(', ') || 'none';
      throw unhealthy(
        `chassis ${name} has no ${missing.join('/')} encap with IP ${encapIp} in the SB database (it has: ${seen})`,
        look,
      );
    }
    return noChange(`chassis ${name}, ${encapType} encap ${encapIp}`);
  },
});

export const verifyOvnkube = defineModule({
  name: 'verify_ovnkube',
  args: z.object({}).strict(),
  // ovnkube's argv depends on the host too (a node's default -mtu): read what the ovnkube module reads.
  facts: (_a, { host, inventory }) => [processesOf(inventory.ovnkube.binary), ...ovnkubeArgvFacts(host, inventory)],
  plan(_a, facts, { host, inventory }) {
    const { binary, logfile } = inventory.ovnkube;
    const procs = facts(processesOf(binary));
    const pids = procs.map((p) => p.pid);
    if (ovnkubeRole(host, inventory) === 'none') {
      if (procs.length === 0) return noChange(`no ovnkube: ${inventory.ovnkube.master} is the ovnkube master`);
      throw unhealthy(
        `ovnkube runs (pids ${pids.join(' ')}) on a master other than ovnkube.master ${inventory.ovnkube.master}`,
        `ps -o pid,args -p ${pids.join(',')}`,
      );
    }
    if (procs.length === 0) throw unhealthy(`ovnkube (${binary}) is not running`, `tail -n 30 ${logfile}`);
    if (procs.length > 1)
      throw unhealthy(
        `${procs.length} copies of ovnkube run (pids ${pids.join(' ')}); there must be one`,
        `ps -o pid,ppid,args -p ${pids.join(',')}`,
      );
    if (procs[0].argvSha256 !== expectedOvnkubeArgvSha(host, inventory, facts)) {
      throw unhealthy(
        `ovnkube (pid ${pids[0]}) runs with other flags than the inventory implies`,
        `tr '\\0' '\\n' < /proc/${pids[0]}/cmdline (live) and ` +
          `ovnctl install --check --diff --tags ovnkube --limit ${quote(host.name)} (wanted)`,
      );
    }
    return noChange(`ovnkube running once (pid ${pids[0]}) with the inventory's flags`);
  },
});

export const VERIFY_MODULES = [
  verifyDaemons,
  verifyDbListening,
  verifyDbReachable,
  verifyExternalIds,
  verifyBridge,
  verifyChassis,
  verifyOvnkube,
];
