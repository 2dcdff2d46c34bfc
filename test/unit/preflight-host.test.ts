// The host half of preflight, fact outputs recorded on Debian 12 lab hosts (test/fixtures/preflight/host/
// README.md) through the parsers and the pure verdicts: kernel module, ports, clock, free space.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaskFailure } from '../../src/errors.js';
import {
  hostClock,
  parseDf,
  parseHostClock,
  parseKernelModule,
  parseListeners,
  tcpListeners,
} from '../../src/facts/preflight-host.js';
import { clockVerdicts, MAX_CLOCK_SKEW_MS } from '../../src/operations/preflight/clock.js';
import { DISK_NEED_KB, DISK_PATHS, diskVerdicts, preflightDisk } from '../../src/operations/preflight/disk.js';
import { kernelModuleVerdicts, preflightKernelModule } from '../../src/operations/preflight/kernel-module.js';
import { portsVerdicts, preflightPorts, wantedPorts } from '../../src/operations/preflight/ports.js';
import { guideInventory, host, threeMasterInventory } from '../helpers/inventory.js';
import { planWith } from '../helpers/plan.js';

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/preflight/host', name), 'utf8');

/** The lab the fixtures come from: m1 master at 10.213.196.10, nodes n1 and n2. */
function labInventory(over: Parameters<typeof guideInventory>[0] = {}) {
  const hosts = [
    host('m1', '10.213.196.10', ['master']),
    host('n1', '10.213.196.11', ['node']),
    host('n2', '10.213.196.12', ['node']),
  ];
  return guideInventory({
    hosts,
    groups: { all: ['m1', 'n1', 'n2'], masters: ['m1'], nodes: ['n1', 'n2'] },
    packages: { source: { kind: 'distro' }, datapath: 'kernel', ovsPython: 'apt' },
    ...over,
  });
}

describe('openvswitch kernel module (ovs.datapathType: system)', () => {
  it('names the kernel that has none, with both fixes (the lab: no /lib/modules at all)', () => {
    const m = parseKernelModule(fixture('debian12-kmod-absent.out'));
    expect(m).toMatchObject({ kernel: '6.18.44-fc-v1045', loaded: false, file: '', modinfo: true });
    const [v] = kernelModuleVerdicts('m1', m);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.problem).toContain('kernel 6.18.44-fc-v1045 of m1 has no openvswitch module');
    expect(v.fix).toContain('ovs.datapathType: netdev');
    expect(v.fix).toContain('linux-image-6.18.44-fc-v1045');
  });

  it("passes with modinfo's filename (Ubuntu 14.04's published output)", () => {
    const out = `kernel=3.13.0-32-generic\nmodinfo=1\n${fixture('ubuntu1404-modinfo-openvswitch.txt')}`;
    const m = parseKernelModule(out);
    expect(m.file).toBe('/lib/modules/3.13.0-32-generic/kernel/net/openvswitch/openvswitch.ko');
    expect(kernelModuleVerdicts('n1', m)).toEqual([
      { ok: true, found: 'openvswitch module /lib/modules/3.13.0-32-generic/kernel/net/openvswitch/openvswitch.ko' },
    ]);
  });

  it('passes when loaded, and skips unless the datapath is system with the kernel package', async () => {
    expect(kernelModuleVerdicts('n1', parseKernelModule('kernel=6.1.0-13-amd64\nloaded=1\n'))[0].ok).toBe(true);
    const facts = { 'preflight.kmod:openvswitch': { raw: fixture('debian12-kmod-absent.out') } };
    const netdev = labInventory({ ovs: { datapathType: 'netdev' } });
    expect((await planWith(preflightKernelModule, {}, facts, netdev)).skip).toBeDefined();
    const dkms = labInventory({ packages: { source: { kind: 'distro' }, datapath: 'dkms', ovsPython: 'apt' } });
    expect((await planWith(preflightKernelModule, {}, facts, dkms)).skip).toBeDefined();
    await expect(planWith(preflightKernelModule, {}, facts, labInventory())).rejects.toThrow(TaskFailure);
  });
});

describe('ports the OVN databases listen on', () => {
  it('come from the inventory through src/ovn: client ports; RAFT ports with 2+ masters; none on a node', () => {
    const inv = labInventory({ cluster: { ...labInventory().cluster, nbPort: 7641, sbPort: 7642 } });
    expect(wantedPorts(inv, inv.hosts[0]).map((w) => w.port)).toEqual([7641, 7642]);
    expect(wantedPorts(inv, inv.hosts[1])).toEqual([]);
    const three = threeMasterInventory();
    const m2 = three.hosts[1];
    expect(wantedPorts(three, m2).map((w) => [w.port, w.setting, w.bindAddress])).toEqual([
      [6641, 'cluster.nbPort', undefined],
      [6642, 'cluster.sbPort', undefined],
      [6643, 'cluster.nbRaftPort', '10.0.0.2'],
      [6644, 'cluster.sbRaftPort', '10.0.0.2'],
    ]);
    // TLS with 2+ masters: the SB's listener for ovn-northd too.
    const tls = threeMasterInventory({ tls: { ...three.tls, enabled: true } });
    expect(wantedPorts(tls, m2).find((w) => w.port === 16642)?.setting).toBe('cluster.sbNorthdPort');
  });

  it('a rerun passes: 6641 and 6642 are held by the pids of ovnnb_db and ovnsb_db', () => {
    const l = parseListeners(fixture('debian12-listeners-master.out'));
    expect(l.serverPids).toEqual({ nb: 570, sb: 586 });
    expect(l.sockets?.find((s) => s.port === 6641)?.processes).toEqual([{ name: 'ovsdb-server', pid: 570 }]);
    const inv = labInventory();
    expect(portsVerdicts('m1', l, wantedPorts(inv, inv.hosts[0]))).toEqual([
      { ok: true, found: "held by ovnctl's servers: 6641 (ovnnb_db), 6642 (ovnsb_db)" },
    ]);
  });

  it('names another process on 6641 with its pid, and the inventory key that moves the port', () => {
    const l = parseListeners(fixture('debian12-listeners-foreign-6641.out'));
    const inv = labInventory();
    const verdicts = portsVerdicts('m1', l, wantedPorts(inv, inv.hosts[0]));
    expect(verdicts).toHaveLength(1);
    const [v] = verdicts;
    if (v.ok) throw new Error('expected a failure');
    expect(v.problem).toBe('port 6641 (NB TCP 6641) on m1 is held by python3 (pid 617)');
    expect(v.fix).toContain('stop pid 617');
    expect(v.fix).toContain('cluster.nbPort');
  });

  it('the same process on another port is no clash; an ovsdb-server that is not ovnnb_db is', () => {
    const l = parseListeners(fixture('debian12-listeners-foreign-6641.out'));
    const inv = labInventory({ cluster: { ...labInventory().cluster, nbPort: 7641 } });
    expect(portsVerdicts('m1', l, wantedPorts(inv, inv.hosts[0]))[0]).toEqual({ ok: true, found: 'free: 7641, 6642' });
    // The master's recorded listeners, with no pidfile alive: another OVN's ovsdb-server holds the ports.
    const master = parseListeners(fixture('debian12-listeners-master.out'));
    const foreign = portsVerdicts(
      'm1',
      { ...master, serverPids: { nb: null, sb: null } },
      wantedPorts(inv, inv.hosts[0]),
    );
    expect(foreign.map((v) => (v.ok ? v.found : v.problem))).toEqual([
      'port 6642 (SB TCP 6642) on m1 is held by ovsdb-server (pid 586); an ovsdb-server that is not ' +
        "this host's ovnsb_db (/var/run/ovn/ovnsb_db.pid), e.g. another OVN in a container",
    ]);
  });

  it('a RAFT port clashes with a wildcard listener or one on the master address, not another address', () => {
    const three = threeMasterInventory();
    const [raft] = wantedPorts(three, three.hosts[0]).filter((w) => w.setting === 'cluster.nbRaftPort');
    const on = (address: string) => ({
      sockets: [{ address, port: 6643, processes: [{ name: 'nc', pid: 9 }] }],
      serverPids: { nb: null, sb: null },
    });
    expect(portsVerdicts('m1', on('127.0.0.1'), [raft])[0].ok).toBe(true);
    expect(portsVerdicts('m1', on('10.0.0.1'), [raft])[0].ok).toBe(false);
    expect(portsVerdicts('m1', on('*'), [raft])[0].ok).toBe(false);
  });

  it('reads ss lines with a scoped address, and says when the host has no ss', () => {
    const scoped = parseListeners(fixture('debian12-listeners-scoped-6642.out'));
    expect(scoped.sockets?.[0]).toEqual({
      address: '0.0.0.0',
      port: 6642,
      processes: [{ name: 'python3', pid: 1700 }],
    });
    const lab = labInventory();
    const [held] = portsVerdicts('m1', scoped, wantedPorts(lab, lab.hosts[0]));
    expect(held.ok ? '' : held.problem).toBe('port 6642 (SB TCP 6642) on m1 is held by python3 (pid 1700)');
    const l = parseListeners('no-ss\n--- pidfiles\nnb=\nsb=\n');
    expect(l.sockets).toBeNull();
    const inv = labInventory();
    expect(portsVerdicts('m1', l, wantedPorts(inv, inv.hosts[0]))[0]).toEqual({
      ok: true,
      found: 'ports not checked: no ss on the host (iproute2)',
    });
  });

  it('a node declares no fact and skips', async () => {
    const inv = labInventory();
    const plan = await planWith(preflightPorts, {}, {}, inv, inv.hosts[1]);
    expect(plan.skip).toContain('not a master');
    const facts = { [tcpListeners.key]: { raw: fixture('debian12-listeners-foreign-6641.out') } };
    await expect(planWith(preflightPorts, {}, facts, inv)).rejects.toThrow(/python3 \(pid 617\)/);
  });
});

describe('clock', () => {
  const hostMs = parseHostClock(fixture('debian12-date.out'), 0, 0).hostMs;

  it('reads date +%s%N as milliseconds', () => {
    expect(hostMs).toBe(1796235212204);
    expect(parseHostClock('1796235212\n', 0, 0).hostMs).toBe(1796235212000);
  });

  it('allows for the round trip: fails only when the whole interval is beyond 60 s', () => {
    const at = (sentMs: number, receivedMs: number) => clockVerdicts('n1', { hostMs, sentMs, receivedMs });
    expect(at(hostMs - 200, hostMs + 300)[0].ok).toBe(true);
    // The host stamped its time somewhere in a 90 s round trip: it may be right, so it passes.
    expect(at(hostMs - 30_000, hostMs + 60_000)[0].ok).toBe(true);
    const behind = at(hostMs + MAX_CLOCK_SKEW_MS + 5_000, hostMs + MAX_CLOCK_SKEW_MS + 5_500)[0];
    expect(behind.ok ? '' : behind.problem).toBe("n1's clock is 65 s or more behind this machine's (limit 60 s)");
    const ahead = at(hostMs - 125_000, hostMs - 120_000)[0];
    expect(ahead.ok ? '' : ahead.problem).toBe("n1's clock is 120 s or more ahead of this machine's (limit 60 s)");
  });

  it('the fact takes the controller time when it is made and when its output is parsed', () => {
    let now = 1000;
    const f = hostClock(() => now);
    now = 1400;
    expect(f.parse('1796235212204655881\n', 0)).toEqual({ hostMs: 1796235212204, sentMs: 1000, receivedMs: 1400 });
  });
});

describe('free space', () => {
  const space = parseDf(fixture('debian12-df.out'), DISK_PATHS);

  it('pairs df lines with the paths; one filesystem holds the sum of what lands on it', () => {
    expect(space.map((s) => [s.path, s.mount, s.availableKb])).toEqual([
      ['/var', '/', 81582384],
      ['/etc', '/', 81582384],
      ['/usr', '/', 81582384],
    ]);
    expect(diskVerdicts('m1', space, ['ovn-central'])[0].ok).toBe(true);
    const tight = space.map((s) => ({ ...s, availableKb: 200 * 1024 }));
    const [v] = diskVerdicts('m1', tight, ['ovn-central', 'ovn-host']);
    if (v.ok) throw new Error('expected a failure');
    const need = Math.round((DISK_NEED_KB['/var'] + DISK_NEED_KB['/etc'] + DISK_NEED_KB['/usr']) / 1024);
    expect(v.problem).toBe(
      `/ on m1 has 200 MB free; installing ovn-central, ovn-host needs about ${need} MB there ` +
        '(/var 128 MB, /etc 8 MB, /usr 160 MB)',
    );
  });

  it('separate filesystems are judged each on its own; a rerun with everything installed needs nothing', () => {
    const split = [
      { path: '/var', mount: '/var', availableKb: 100 * 1024 },
      { path: '/etc', mount: '/', availableKb: 10 * 1024 * 1024 },
      { path: '/usr', mount: '/', availableKb: 10 * 1024 * 1024 },
    ];
    const out = diskVerdicts('n1', split, ['ovn-host']);
    expect(out.map((v) => (v.ok ? '' : v.problem.split(';')[0]))).toEqual(['/var on n1 has 100 MB free']);
    expect(diskVerdicts('n1', split, [])[0].ok).toBe(true);
    expect(parseDf('', DISK_PATHS)).toEqual([]);
  });

  it('reads which of the packages the run installs are missing from the dpkg batch', async () => {
    const inv = labInventory();
    const df = `preflight.df:${DISK_PATHS.join(',')}`;
    const tight = fixture('debian12-df.out').replace(/81582384/g, '1024');
    const pkgs = 'apt.packages:openvswitch-common,openvswitch-switch,ovn-common,ovn-host';
    const all = ['openvswitch-common', 'openvswitch-switch', 'ovn-common', 'ovn-host'];
    const installed = Object.fromEntries(all.map((p) => [p, { installed: true, version: '1' }]));
    const node = inv.hosts[1];
    const run = (facts: Record<string, unknown>) =>
      planWith(preflightDisk, {}, { [df]: { raw: tight }, ...facts }, inv, node, {}, { installs: all });
    await expect(run({ [pkgs]: installed })).resolves.toEqual({
      commands: [],
      msg: 'packages installed; 1 MB free on /',
    });
    const missing = { ...installed, 'ovn-host': { installed: false, version: '' } };
    await expect(run({ [pkgs]: missing })).rejects.toThrow(/installing ovn-host needs about/);
  });
});
