// `ovnctl lab`: real Debian hosts on this machine for tests, demos and benchmarks.
// labUp builds (once) and reuses the cached rootfs and mirror, then makes the bridge, the mirror's
// HTTP server and the hosts, journaling each thing in <dir>/state.json before making it; labDown
// undoes the journal, so it also cleans up after a crash.
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { InputError, OvnctlError } from '../errors.js';
import { mapLimit } from '../util/concurrency.js';
import { ensureMirror } from './apt-mirror.js';
import { run } from './exec.js';
import { bootHost, startHost, stopHost, type HostSetup } from './lab-host.js';
import { labFiles, writeKnownHosts, writeLabInventory } from './lab-inventory.js';
import {
  checkHostName,
  checkLabName,
  DEFAULT_CACHE_DIR,
  DEFAULT_LAB_NAME,
  labNames,
  MIRROR_PORT,
  resolveLabDir,
} from './lab-names.js';
import { withLabLock } from './lab-lock.js';
import { createBridge } from './lab-network.js';
import { undoResources } from './lab-undo.js';
import { isRunning } from './lab-processes.js';
import { LabJournal, readLabState, statePath, type LabHostRecord, type LabRole, type LabState } from './lab-state.js';
import { nextHostAddress, pickSubnet } from './lab-subnet.js';
import { startMirrorServer } from './mirror-server.js';
import { recorderScriptPath } from './ovnkube-recorder.js';
import { checkLabPrerequisites } from './preflight.js';
import { ensureRootfs, pruneCache, type Progress } from './rootfs-cache.js';

export type { LabRole } from './lab-state.js';
export type { Progress } from './rootfs-cache.js';

export interface LabUpOptions {
  /** Number of masters (m1..), default 1. */
  masters?: number;
  /** Number of nodes (n1..), default 2. */
  nodes?: number;
  /** The lab's name, default `lab`: it derives the bridge (ovn<name>0), netns (ovn<name>-<host>) and subnet. */
  name?: string;
  /** Default: /var/lib/ovnctl/lab (or /var/lib/ovnctl/lab-<name>). */
  dir?: string;
  /** An IPv4 /24; default 10.213.0.0/24 for the lab named `lab`, a free 10.213.x.0/24 for others. */
  subnet?: string;
  /** Default: $OVNCTL_LAB_CACHE or /var/cache/ovnctl/lab. */
  cacheDir?: string;
  onProgress?: Progress;
}

export interface LabHost {
  name: string;
  address: string;
  roles: LabRole[];
}

export interface Lab {
  name: string;
  dir: string;
  /** The inventory for ovnctl (SPEC "Inventory"). */
  inventory: string;
  subnet: string;
  bridge: string;
  mirrorUrl: string;
  hosts: LabHost[];
}

/** running: its processes run; stopped: by `lab stop-host` (disk kept); dead: it should run but does not. */
export type LabHostState = 'running' | 'stopped' | 'dead';

export interface LabHostStatus extends LabHost {
  pid?: number;
  alive: boolean;
  state: LabHostState;
}

export interface LabStatus {
  dir: string;
  /** A lab state exists in dir. */
  exists: boolean;
  /** Every host and the mirror server run (a stopped host makes this false). */
  up: boolean;
  name?: string;
  inventory?: string;
  mirrorUrl?: string;
  mirrorAlive?: boolean;
  hosts: LabHostStatus[];
}

export interface LabDirOptions {
  /** The lab's directory; default from `name` (see LabUpOptions.dir). */
  dir?: string;
  name?: string;
}

export interface LabHostOptions extends LabDirOptions {
  /** The host's name in the lab (m1, n2, ...). */
  host: string;
}

export interface LabHostChange {
  host: string;
  address: string;
  /** What the host is now. */
  state: 'running' | 'stopped';
  /** False when it already was (nothing was done). */
  changed: boolean;
  durationMs: number;
}

export interface LabAddHostOptions {
  /** The lab's directory; default from `lab`. */
  dir?: string;
  /** The lab's name (only to find its default dir), default `lab`. */
  lab?: string;
  /** The new host's name; default the next free m<k> or n<k>. */
  name?: string;
  /** The new host's role, default node. */
  role?: LabRole;
}

export function labCacheDir(cacheDir?: string): string {
  return cacheDir ?? process.env.OVNCTL_LAB_CACHE ?? DEFAULT_CACHE_DIR;
}

export async function labUp(opts: LabUpOptions = {}): Promise<Lab> {
  const name = opts.name ?? DEFAULT_LAB_NAME;
  checkLabName(name);
  const masters = checkCount('masters', opts.masters ?? 1, 1, MAX_LAB_MASTERS);
  const nodes = checkCount('nodes', opts.nodes ?? 2, 0, MAX_LAB_NODES);
  checkLabPrerequisites();
  const dir = resolveLabDir(opts.dir, name);
  const progress = opts.onProgress ?? (() => undefined);
  const recorder = recorderScriptPath();

  const old = readLabState(dir);
  if (old) {
    if (labIsAlive(old))
      throw new OvnctlError(`a lab is already up in ${dir}: take it down first (ovnctl lab down --dir ${dir})`);
    progress(`removing what a crashed lab left in ${dir}`);
    await labDown({ dir });
  } else if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new InputError(`${dir} is not empty and holds no lab: choose another lab directory`);
  }

  const cacheDir = labCacheDir(opts.cacheDir);
  mkdirSync(cacheDir, { recursive: true });
  const rootfs = await ensureRootfs(cacheDir, progress);
  const mirror = await ensureMirror(cacheDir, rootfs, progress);
  for (const p of await pruneCache(cacheDir, [join(rootfs.root, '..'), mirror.dir]))
    progress(`removed the outdated cache ${p}`);
  const subnet = await pickSubnet(name, opts.subnet);

  const createdDir = !existsSync(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const names = labNames(name);
  const journal = new LabJournal({
    version: 1,
    name,
    dir,
    createdDir,
    subnet: subnet.cidr,
    gateway: subnet.gateway,
    bridge: names.bridge,
    rootfs: rootfs.root,
    mirror: { dir: mirror.dir, url: `http://${subnet.gateway}:${MIRROR_PORT}/debian`, suite: mirror.suite },
    hosts: [],
    resources: [],
  });
  journal.save();
  const state = journal.state;
  const files = labFiles(dir);

  try {
    progress(`bringing up ${masters + nodes} hosts on ${names.bridge} (${subnet.cidr})`);
    await createBridge(journal);
    for (const f of ['mirror-server.mjs', 'mirror-server.log', 'mirror-server.pid']) {
      journal.record({ kind: 'path', path: join(dir, f) });
    }
    await startMirrorServer({
      dir,
      root: mirror.dir,
      host: subnet.gateway,
      port: MIRROR_PORT,
      // Recorded before waiting for it, so lab down finds it even if it never comes up.
      onSpawn: (pid, startTime) => {
        state.mirror.pid = pid;
        journal.record({ kind: 'process', pid, startTime, what: 'mirror HTTP server' });
      },
    });

    for (const p of [
      files.privateKey,
      files.publicKey,
      files.knownHosts,
      files.k8sToken,
      files.archiveKey,
      files.recorder,
      files.inventory,
      files.hosts,
    ]) {
      journal.record({ kind: 'path', path: p });
    }
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `ovnctl-lab-${name}`, '-f', files.privateKey]);
    writeFileSync(files.k8sToken, randomBytes(24).toString('hex') + '\n', { mode: 0o600 });
    copyFileSync(mirror.key.publicKeyFile, files.archiveKey);
    copyFileSync(recorder, files.recorder);
    chmodSync(files.recorder, 0o755);

    const wanted: [string, LabRole][] = [
      ...Array.from({ length: masters }, (_, i): [string, LabRole] => [`m${i + 1}`, 'master']),
      ...Array.from({ length: nodes }, (_, i): [string, LabRole] => [`n${i + 1}`, 'node']),
    ];
    for (const [hostName, role] of wanted) addHostRecord(state, hostName, role);
    const setup = hostSetup(state);
    // A bounded number at once: 201 hosts started together on 2 cores stretched each one's start past
    // its sshd deadline (the total work is the same either way). No new start after a failure, and the
    // ones under way settle before any cleanup, so none is still being made while lab down runs.
    const failures: unknown[] = [];
    await mapLimit(state.hosts, HOST_STARTS_AT_ONCE, async (h) => {
      if (failures.length > 0) return;
      await startHost(journal, h, setup).catch((e: unknown) => void failures.push(e));
    });
    if (failures.length > 0) throw failures[0];

    writeKnownHosts(state);
    writeLabInventory(state);
    journal.save();
  } catch (e) {
    await labDown({ dir }).catch(() => undefined);
    throw e;
  }
  return describeLab(state);
}

/** Add one host to a running lab; returns its address. The lab's known_hosts and inventory list it. */
export async function labAddHost(opts: LabAddHostOptions = {}): Promise<string> {
  checkLabPrerequisites();
  const dir = resolveLabDir(opts.dir, opts.lab ?? DEFAULT_LAB_NAME);
  if (!existsSync(dir)) throw new OvnctlError(`no lab is up in ${dir} (ovnctl lab up)`);
  return withLabLock(dir, () => addHost(dir, opts));
}

async function addHost(dir: string, opts: LabAddHostOptions): Promise<string> {
  const state = readLabState(dir);
  if (!state || !labIsAlive(state)) throw new OvnctlError(`no lab is up in ${dir} (ovnctl lab up)`);
  const role = opts.role ?? 'node';
  const prefix = role === 'master' ? 'm' : 'n';
  let hostName = opts.name;
  for (let k = 1; !hostName; k++) if (!state.hosts.some((h) => h.name === `${prefix}${k}`)) hostName = `${prefix}${k}`;
  if (state.hosts.some((h) => h.name === hostName))
    throw new InputError(`the lab already has a host named ${hostName}`);

  const journal = new LabJournal(state);
  const host = addHostRecord(state, hostName, role);
  journal.save();
  const before = state.resources.length;
  try {
    await startHost(journal, host, hostSetup(state));
  } catch (e) {
    // Take the half-made host out again; the rest of the lab stays as it was.
    const failures = await undoResources(state.resources.slice(before), [host]);
    if (failures.length === 0) {
      state.resources.splice(before);
      state.hosts.splice(state.hosts.indexOf(host), 1);
      journal.save();
    }
    throw e;
  }
  writeKnownHosts(state);
  writeLabInventory(state);
  journal.save();
  return host.address;
}

/**
 * Stop one host as if it lost power: every process of it ends at once, it answers nothing on the
 * network, its disk (overlay upper dir: /etc, /var/lib/ovn, ...) is kept. See lab-host.ts stopHost.
 * Idempotent: a stopped host gives `changed: false`.
 */
export async function labStopHost(opts: LabHostOptions): Promise<LabHostChange> {
  return changeHost(opts, 'stopped');
}

/**
 * Boot a stopped host again: same address, MAC, disk and host key (the lab's known_hosts still
 * matches); only its sshd runs, as after a reboot of a machine whose daemons were started by hand
 * (`ovnctl install` starts them again). Idempotent: a running host gives `changed: false`.
 */
export async function labStartHost(opts: LabHostOptions): Promise<LabHostChange> {
  return changeHost(opts, 'running');
}

async function changeHost(opts: LabHostOptions, want: 'running' | 'stopped'): Promise<LabHostChange> {
  const started = performance.now();
  const dir = resolveLabDir(opts.dir, opts.name ?? DEFAULT_LAB_NAME);
  const noLab = () => new OvnctlError(`no lab in ${dir} (ovnctl lab up)`);
  if (!readLabState(dir)) throw noLab();
  checkLabPrerequisites();
  return withLabLock(dir, async () => {
    const state = readLabState(dir);
    if (!state) throw noLab();
    const host = state.hosts.find((h) => h.name === opts.host);
    if (!host) {
      throw new InputError(
        `the lab in ${dir} has no host named ${opts.host} (it has ${state.hosts.map((h) => h.name).join(', ')})`,
      );
    }
    const now = hostState(host);
    const result = (changed: boolean): LabHostChange => ({
      host: host.name,
      address: host.address,
      state: want,
      changed,
      durationMs: Math.round(performance.now() - started),
    });
    if (now === want) return result(false);
    const journal = new LabJournal(state);
    const peers = () => state.hosts.filter((h) => h !== host && hostState(h) === 'running').map((h) => h.netns);
    // A dead host (crashed, or a stop or start cut short) is first cleaned like a stopped one.
    await stopHost(journal, host, peers());
    if (want === 'stopped') return result(true);
    if (!mirrorIsAlive(state))
      throw new OvnctlError(`the lab in ${dir} is not up (its mirror server is gone): ovnctl lab down, then up`);
    try {
      await bootHost(journal, host);
    } catch (e) {
      await stopHost(journal, host, peers()).catch(() => undefined);
      throw e;
    }
    return result(true);
  });
}

export async function labStatus(opts: LabDirOptions = {}): Promise<LabStatus> {
  const dir = resolveLabDir(opts.dir, opts.name ?? DEFAULT_LAB_NAME);
  const state = readLabState(dir);
  if (!state) return { dir, exists: false, up: false, hosts: [] };
  const hosts = state.hosts.map((h) => ({
    name: h.name,
    address: h.address,
    roles: h.roles,
    pid: h.pid,
    alive: isRunning(h.pid, h.startTime),
    state: hostState(h),
  }));
  const mirrorAlive = mirrorIsAlive(state);
  return {
    dir,
    exists: true,
    up: hosts.length > 0 && hosts.every((h) => h.alive) && mirrorAlive,
    name: state.name,
    inventory: labFiles(dir).inventory,
    mirrorUrl: state.mirror.url,
    mirrorAlive,
    hosts,
  };
}

export interface LabDownResult {
  dir: string;
  /** False when there was no lab state in dir (nothing to do). */
  found: boolean;
  /** The name the lab was brought up with (from its state), when found. */
  name?: string;
}

/**
 * Remove everything the lab's journal lists: processes (SIGKILL of a host's unshare process ends its
 * whole pid namespace), mounts, network namespaces, links, files. Idempotent; works on a half-made lab.
 */
export async function labDown(opts: LabDirOptions = {}): Promise<LabDownResult> {
  const dir = resolveLabDir(opts.dir, opts.name ?? DEFAULT_LAB_NAME);
  const state = readLabState(dir);
  if (!state) return { dir, found: false };
  checkLabPrerequisites();
  const failures = await undoResources(state.resources, state.hosts);
  if (failures.length > 0) {
    throw new OvnctlError(`lab down in ${dir} left things behind (run it again):\n  ${failures.join('\n  ')}`);
  }
  rmSync(statePath(dir), { force: true });
  // The CA an install with TLS made beside the lab's inventory (tls.caDir's default): its hosts are gone.
  rmSync(join(dir, 'pki'), { recursive: true, force: true });
  if (state.createdDir) {
    try {
      rmdirSync(dir);
    } catch {
      // not empty: something not ours is in it; leave it
    }
  }
  return { dir, found: true, name: state.name };
}

function describeLab(state: LabState): Lab {
  return {
    name: state.name,
    dir: state.dir,
    inventory: labFiles(state.dir).inventory,
    subnet: state.subnet,
    bridge: state.bridge,
    mirrorUrl: state.mirror.url,
    hosts: state.hosts.map((h) => ({ name: h.name, address: h.address, roles: h.roles })),
  };
}

/** What every host gets: the lab key for root, and /etc/hosts lines for the hosts known so far. */
function hostSetup(state: LabState): HostSetup {
  return {
    authorizedKey: readFileSync(labFiles(state.dir).publicKey, 'utf8'),
    hostsFile: state.hosts.map((h) => `${h.address}\t${h.name}\n`).join(''),
  };
}

function addHostRecord(state: LabState, name: string, role: LabRole): LabHostRecord {
  checkHostName(name);
  const names = labNames(state.name);
  const host: LabHostRecord = {
    name,
    roles: [role],
    address: nextHostAddress(
      { cidr: state.subnet, gateway: state.gateway },
      state.hosts.map((h) => h.address),
    ),
    netns: names.netns(name),
    veth: names.veth(name),
    root: join(labFiles(state.dir).hosts, name, 'root'),
  };
  state.hosts.push(host);
  return host;
}

/** What a host is now (see LabHostState). */
export function hostState(h: LabHostRecord, running = isRunning(h.pid, h.startTime)): LabHostState {
  return running ? 'running' : h.stopped ? 'stopped' : 'dead';
}

function labIsAlive(state: LabState): boolean {
  return mirrorIsAlive(state) || state.hosts.some((h) => isRunning(h.pid, h.startTime));
}

function mirrorIsAlive(state: LabState): boolean {
  const p = state.resources.find((r) => r.kind === 'process' && r.pid === state.mirror.pid);
  return p?.kind === 'process' && isRunning(p.pid, p.startTime);
}

/** Hosts being made at once by `lab up` (each: overlay, host key, netns, init and sshd). */
const HOST_STARTS_AT_ONCE = 16;
/** RAFT clusters are odd and small; 200 nodes is the scale the bench measures (issue 17): ~70 MB a host. */
const MAX_LAB_MASTERS = 9;
const MAX_LAB_NODES = 200;

function checkCount(what: string, n: number, min: number, max: number): number {
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InputError(`lab --${what} ${n}: give a whole number from ${min} to ${max}`);
  return n;
}
