// One lab host: an overlay root on the cached rootfs, its own netns (on the lab bridge) and
// pid/mount/uts/ipc namespaces, tini as pid 1 running sshd with a host key made fresh for it.
// A host can be stopped (power cut: its processes and network go, its disk stays) and booted again.
import { appendFileSync, chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OvnctlError } from '../errors.js';
import { run, tail } from './exec.js';
import { mountsUnder } from './lab-files.js';
import {
  createHostNetwork,
  deleteLink,
  deleteNetns,
  forgetNeighbour,
  hostMac,
  pinBridgeAddress,
} from './lab-network.js';
import { probeTcp } from './lab-probe.js';
import {
  firstChild,
  isRunning,
  processStartTime,
  signalProcess,
  sleep,
  spawnDetached,
  waitGone,
} from './lab-processes.js';
import type { LabHostRecord, LabJournal } from './lab-state.js';

const SSH_WAIT_MS = 30_000;

// Runs as pid 1 of the host's fresh namespaces (machine's /bin/sh), then becomes tini → sshd.
// Mounts made here live in the host's mount namespace and vanish with it.
const INIT_SCRIPT = `set -eu
root=$1 name=$2
hostname "$name"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t tmpfs -o nosuid,mode=0755,size=65536k tmpfs "$root/dev"
cd "$root/dev"
mknod -m 666 null c 1 3
mknod -m 666 zero c 1 5
mknod -m 666 full c 1 7
mknod -m 666 random c 1 8
mknod -m 666 urandom c 1 9
mknod -m 666 tty c 5 0
mkdir -m 755 net
mknod -m 666 net/tun c 10 200
mkdir -m 755 pts
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts pts
ln -s pts/ptmx ptmx
mkdir -m 1777 shm
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs shm
ln -s /proc/self/fd fd
ln -s /proc/self/fd/0 stdin
ln -s /proc/self/fd/1 stdout
ln -s /proc/self/fd/2 stderr
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs "$root/run"
mkdir -m 0755 "$root/run/sshd"
mkdir -m 1777 "$root/run/lock"
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$root/tmp"
cd "$root"
pivot_root . .
umount -l .
cd /
exec /usr/bin/tini -- /usr/sbin/sshd -D -e
`;

export interface HostSetup {
  /** The lab's public key (authorized for root). */
  authorizedKey: string;
  /** Lines for the host's /etc/hosts after localhost. */
  hostsFile: string;
}

/** Make and start a host (sets its pid, init pid and host key in the record); resolves once sshd answers. */
export async function startHost(journal: LabJournal, host: LabHostRecord, setup: HostSetup): Promise<void> {
  const hostDir = join(host.root, '..');
  journal.record({ kind: 'path', path: hostDir });
  for (const d of ['upper', 'work', 'root']) mkdirSync(join(hostDir, d), { recursive: true });
  await mountRoot(journal, host);
  const at = (p: string) => join(host.root, p);
  writeFileSync(at('etc/hostname'), `${host.name}\n`);
  writeFileSync(at('etc/hosts'), `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${setup.hostsFile}`);
  writeFileSync(at('root/.ssh/authorized_keys'), setup.authorizedKey.trim() + '\n', { mode: 0o600 });
  chmodSync(at('root/.ssh/authorized_keys'), 0o600);
  const key = at('etc/ssh/ssh_host_ed25519_key');
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `root@${host.name}`, '-f', key]);

  host.hostKey = readFileSync(`${key}.pub`, 'utf8').trim();

  await createHostNetwork(journal, host);
  await spawnInit(journal, host, join(hostDir, 'console.log'));
}

/**
 * Boot a stopped host again: its disk as it was left (the overlay, mounted again if it is not), a
 * fresh network stack with the same address and MAC, and its init (tini → sshd, with the host key on
 * its disk). Nothing else starts, as on a machine whose daemons were started by hand.
 */
export async function bootHost(journal: LabJournal, host: LabHostRecord): Promise<void> {
  const hostDir = join(host.root, '..');
  if (!mountsUnder(host.root).includes(resolve(host.root))) await mountRoot(journal, host);
  host.stopped = false;
  journal.save();
  appendFileSync(join(hostDir, 'console.log'), `--- ovnctl lab: booting ${host.name} again ---\n`);
  await createHostNetwork(journal, host);
  await spawnInit(journal, host, join(hostDir, 'console.log'));
}

/**
 * Stop a host as if it lost power. Its cable is cut first (its veth deleted, which takes eth0 with
 * it), so the FIN/RST its dying sockets would send reach nobody: its peers see silence, not a closed
 * connection. Then SIGKILL of its pid 1 ends every process of its pid namespace at once (and the
 * mounts of its mount namespace, /run and /tmp among them, go with it), and its netns is deleted, so
 * the next boot gets a fresh network stack. The lab forgets its MAC in the neighbour tables of the
 * machine and of `peers` (the netns of the hosts that run), so a new connection to it fails fast.
 * Its disk — the overlay upper dir, still mounted at `host.root` — is kept. Safe on a host that is
 * half-started or already dead. Throws when a process will not die.
 */
export async function stopHost(journal: LabJournal, host: LabHostRecord, peers: readonly string[]): Promise<void> {
  const { bridge } = journal.state;
  if (!host.mac) host.mac = await hostMac(host.netns);
  host.stopped = true;
  journal.save();
  // The bridge must keep its MAC when this host's port leaves it (see pinBridgeAddress).
  await pinBridgeAddress(bridge).catch(() => undefined);
  await deleteLink(host.veth);

  const procs = [
    { pid: host.initPid ?? 0, startTime: host.initStartTime },
    { pid: host.pid ?? 0, startTime: host.startTime },
  ].filter((p) => p.pid > 0);
  // Pid 1 first: the kernel then kills the rest of its namespace. The unshare parent (whose death
  // kills pid 1 too, for a host whose pid 1 was never recorded) reaps it and exits.
  for (const p of procs) signalProcess(p.pid, p.startTime, 'SIGKILL');
  const left = await waitGone(procs, 15_000);
  if (left.length > 0) {
    throw new OvnctlError(`lab host ${host.name}: processes ${left.map((p) => p.pid).join(', ')} did not end`);
  }
  await deleteNetns(host.netns);
  await forgetNeighbour(bridge, host.address, peers);
  for (const p of procs) journal.forgetProcess(p.pid, p.startTime);
  host.pid = undefined;
  host.startTime = undefined;
  host.initPid = undefined;
  host.initStartTime = undefined;
  journal.save();
}

async function mountRoot(journal: LabJournal, host: LabHostRecord): Promise<void> {
  const hostDir = join(host.root, '..');
  journal.record({ kind: 'mount', target: host.root });
  await run([
    'mount',
    '-t',
    'overlay',
    'overlay',
    '-o',
    `lowerdir=${journal.state.rootfs},upperdir=${join(hostDir, 'upper')},workdir=${join(hostDir, 'work')}`,
    host.root,
  ]);
}

async function spawnInit(journal: LabJournal, host: LabHostRecord, consoleLog: string): Promise<void> {
  const { pid, startTime } = spawnDetached(
    'nsenter',
    [
      `--net=/run/netns/${host.netns}`,
      'unshare',
      '--kill-child',
      '--pid',
      '--fork',
      '--mount',
      '--uts',
      '--ipc',
      '--propagation',
      'private',
      'sh',
      '-c',
      INIT_SCRIPT,
      'ovnctl-lab-init',
      host.root,
      host.name,
    ],
    consoleLog,
  );
  host.pid = pid;
  host.startTime = startTime;
  journal.record({ kind: 'process', pid, startTime, what: `host ${host.name}` });

  const deadline = Date.now() + SSH_WAIT_MS;
  // A banner that takes long is waited for (5 s), not cut and asked for again: on a loaded machine every
  // cut probe cost sshd a forked child, and the host's start was retried into its deadline.
  while (!(await probeTcp(host.address, 22, 'SSH-', 5000))) {
    if (!isRunning(host.pid, host.startTime) || Date.now() > deadline) {
      throw new OvnctlError(
        `lab host ${host.name} did not start sshd on ${host.address}:22:\n` +
          tail(readFileSync(consoleLog, 'utf8'), 15),
      );
    }
    await sleep(25);
  }
  host.initPid = firstChild(pid);
  host.initStartTime = host.initPid ? processStartTime(host.initPid) : undefined;
  journal.save();
}
