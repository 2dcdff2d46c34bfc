// The modules of `ovnctl uninstall`: each removes one thing install made, and only when it is there,
// so a second uninstall changes nothing. Daemons are stopped with the `service` module (state: stopped)
// and packages purged with `apt` (state: absent, purge: true); what those cannot do is here.
import * as z from 'zod';
import { systemdRunning } from '../facts/os.js';
import { ovsBridges, ovsExternalIds } from '../facts/ovs.js';
import { processesOf } from '../facts/process.js';
import { OVS_CONF_DB, ovsConfOffline, pathsPresent, SAFE_GLOB, type PresentPath } from '../facts/uninstall.js';
import { sbChassis } from '../facts/verify.js';
import { ctl } from '../ovn/dbctl.js';
import { REMOTE_LIST_RE } from '../ovn/endpoint.js';
import { sh, type Command } from '../shell/command.js';
import { defineModule, noChange, type Module, type Plan } from './module.js';
import { ovsK8sConfigAbsent } from './uninstall-k8s.js';
import { UNINSTALL_NET_MODULES } from './uninstall-net.js';
import { OVNKUBE_ARGS_FILE, OVNKUBE_LAUNCHER, OVNKUBE_PIDFILE, OVNKUBE_UNIT, stopProcesses } from './ovnkube.js';

const OVNKUBE_DIRS = ['/etc/ovnctl', '/usr/local/lib/ovnctl'];
/**
 * A kubeconfig (credentials) and CA certificate ovnctl uploads for ovnkube from local files
 * (cluster.k8sKubeconfig/k8sCacert: {file}); the same paths as KUBECONFIG_HOST_PATH and
 * K8S_CACERT_HOST_PATH in ovnkube-flags.ts. Only ovnctl writes in /etc/ovnctl.
 */
const OVNKUBE_UPLOADED_K8S_FILES = ['/etc/ovnctl/kubeconfig', '/etc/ovnctl/k8s-ca.crt'];

/** rm the files; rmdir each directory that is empty, or holds only files removed here. */
function removePaths(present: PresentPath[], dirs: readonly string[] = []): Command[] {
  const files = present.filter((p) => p.kind === 'file').map((p) => p.path);
  const emptied = present
    .filter(
      (p) =>
        dirs.includes(p.path) &&
        (p.kind === 'emptydir' || (p.kind === 'dir' && files.some((f) => f.startsWith(p.path + '/')))),
    )
    .map((p) => p.path);
  const c: Command[] = [];
  if (files.length > 0) c.push(sh`rm -f ${files}`);
  if (emptied.length > 0) c.push(sh`rmdir --ignore-fail-on-non-empty ${emptied}`);
  return c;
}

export const ovnkubeAbsent = defineModule({
  name: 'ovnkube_absent',
  args: z.object({}).strict(),
  facts: (_a, { inventory }) => [
    systemdRunning,
    processesOf(inventory.ovnkube.binary),
    pathsPresent(ovnkubePaths(inventory.ovnkube)),
  ],
  plan(_a, facts, { inventory }) {
    const procs = facts(processesOf(inventory.ovnkube.binary));
    const present = facts(pathsPresent(ovnkubePaths(inventory.ovnkube)));
    const unit = present.some((p) => p.path === OVNKUBE_UNIT);
    const commands: Command[] = [];
    if (unit && facts(systemdRunning)) commands.push(sh`systemctl disable --now ovnkube`);
    // TERM, then KILL after 10 s; also removes the pidfile.
    commands.push(...stopProcesses(procs.map((p) => p.pid)));
    commands.push(...removePaths(present, OVNKUBE_DIRS));
    if (unit && facts(systemdRunning)) commands.push(sh`systemctl daemon-reload`);
    if (commands.length === 0) return noChange('ovnkube not running, its files absent');
    const what = [
      procs.length ? `stop ovnkube (pid ${procs.map((p) => p.pid).join(' ')})` : '',
      present.length ? `remove ${present.map((p) => p.path).join(' ')}` : '',
    ];
    return { commands, msg: what.filter(Boolean).join('; ') };
  },
});

/**
 * The launcher, argv file, unit, pidfile, ovnctl's directories, the binary when ovnctl uploaded it, and
 * ovnkube's log with its rotated copies: ovnctl makes that file, and from -loglevel=5 (logrus' debug) on
 * ovnkube writes the token into it (`Kubernetes config: {... Token:…}` and every `ovs-vsctl` it runs).
 */
export function ovnkubePaths(k: { binary: string; upload?: string; logfile: string }): string[] {
  const paths = [
    OVNKUBE_ARGS_FILE,
    OVNKUBE_LAUNCHER,
    OVNKUBE_UNIT,
    OVNKUBE_PIDFILE,
    ...OVNKUBE_UPLOADED_K8S_FILES,
    ...OVNKUBE_DIRS,
  ];
  if (k.upload && SAFE_GLOB.test(k.binary)) paths.push(k.binary);
  if (SAFE_GLOB.test(k.logfile) && !/[*?]/.test(k.logfile)) paths.push(k.logfile, `${k.logfile}.*`);
  return paths;
}

/** The node's Chassis record in the SB database (ovn-controller re-registers it, so stop that first). */
export const ovnChassisAbsent = defineModule({
  name: 'ovn_chassis_absent',
  args: z.object({ remote: z.string().regex(REMOTE_LIST_RE), name: z.string().min(1) }).strict(),
  facts: ({ remote, name }) => [sbChassis(remote, name)],
  plan({ remote, name }, facts): Plan {
    const c = facts(sbChassis(remote, name));
    const del = ctl('sb', ['--if-exists', 'chassis-del', name], { db: remote });
    if (!c.reachable) {
      // Not fatal: the node is still removed; the stale record can go later from anywhere.
      const later = `delete chassis ${name} later with ${del.display}`;
      return { commands: [], skip: `the SB database at ${remote} does not answer (${c.error}): ${later}` };
    }
    if (!c.present) return noChange(`no chassis ${name} in the SB database`);
    return { commands: [del], msg: `delete chassis ${name} from the SB database` };
  },
});

/**
 * The integration bridge (with the tunnel ports ovn-controller made on it) and every `ovn-*`
 * external_id. Through ovsdb-server when it runs; else in conf.db directly, so a host whose OVS was
 * already stopped is cleaned too.
 */
export const ovsOvnConfigAbsent = defineModule({
  name: 'ovs_ovn_config_absent',
  args: z.object({ bridge: z.string().min(1).default('br-int') }).strict(),
  facts: () => [ovsBridges, ovsExternalIds, ovsConfOffline],
  plan({ bridge }, facts): Plan {
    const bridges = facts(ovsBridges);
    const ids = facts(ovsExternalIds);
    if (bridges !== null && ids !== null) {
      const keys = Object.keys(ids).filter((k) => k.startsWith('ovn-'));
      const words: string[] = [];
      if (bridges.includes(bridge)) words.push('--', '--if-exists', 'del-br', bridge);
      if (keys.length > 0) words.push('--', 'remove', 'Open_vSwitch', '.', 'external_ids', ...keys);
      if (words.length === 0) return noChange(`no ${bridge}, no ovn-* external_ids`);
      const msg = describe(bridges.includes(bridge) ? bridge : null, keys);
      return { commands: [ctl('vswitch', words.slice(1))], msg };
    }
    const off = facts(ovsConfOffline);
    if (!off.exists) return noChange(`no ${OVS_CONF_DB}`);
    const br = off.bridges.find((b) => b.name === bridge);
    const keys = Object.keys(off.externalIds).filter((k) => k.startsWith('ovn-'));
    if (!br && keys.length === 0)
      return noChange(`no ${bridge}, no ovn-* external_ids (read offline: Open vSwitch is stopped)`);
    // Dropping the bridge from Open_vSwitch.bridges garbage-collects it with its ports and interfaces.
    const mutations: unknown[] = [];
    if (br) mutations.push(['bridges', 'delete', ['uuid', br.uuid]]);
    if (keys.length > 0) mutations.push(['external_ids', 'delete', ['set', keys]]);
    const txn = JSON.stringify(['Open_vSwitch', { op: 'mutate', table: 'Open_vSwitch', where: [], mutations }]);
    return {
      commands: [sh`ovsdb-tool transact ${OVS_CONF_DB} ${txn}`],
      msg: describe(br ? bridge : null, keys) + ' (offline, in conf.db)',
    };
  },
});

function describe(bridge: string | null, keys: string[]): string {
  return [bridge ? `delete bridge ${bridge}` : '', keys.length ? `remove external_ids ${keys.join(' ')}` : '']
    .filter(Boolean)
    .join('; ');
}

/** Files (globs) removed when present; listed directories removed when empty or emptied here. */
export const pathsAbsent = defineModule({
  name: 'paths_absent',
  args: z
    .object({
      paths: z.array(z.string().regex(SAFE_GLOB, 'an absolute path or glob without spaces or shell syntax')).min(1),
      dirs: z.array(z.string().regex(SAFE_GLOB)).default([]),
    })
    .strict(),
  facts: ({ paths, dirs }) => [pathsPresent([...paths, ...dirs])],
  plan({ paths, dirs }, facts) {
    const present = facts(pathsPresent([...paths, ...dirs])).filter((p) => p.kind === 'file' || dirs.includes(p.path));
    const commands = removePaths(present, dirs);
    if (commands.length === 0) return noChange('absent');
    return { commands, msg: `remove ${present.map((p) => p.path).join(' ')}` };
  },
});

export const UNINSTALL_MODULES: Module[] = [
  ovnkubeAbsent,
  ovnChassisAbsent,
  ovsOvnConfigAbsent,
  pathsAbsent,
  ovsK8sConfigAbsent,
  ...UNINSTALL_NET_MODULES,
];
