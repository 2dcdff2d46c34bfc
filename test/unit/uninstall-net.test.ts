// Uninstall never cuts a host off and undoes the gre-mesh: ovs_uplink_release and gre_mesh_absent planned
// from fixture facts, and the release script run against stub `ip`/`ovs-vsctl` commands to see its steps
// in order and its rollback when one fails.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OvsLayout, OvsPort } from '../../src/facts/net-ovs.js';
import type { Link } from '../../src/facts/net.js';
import { greMeshAbsent, ovsUplinkRelease, releaseUplinkCommand } from '../../src/operations/uninstall-net.js';
import { guideInventory } from '../helpers/inventory.js';
import { planWith, scripts } from '../helpers/plan.js';

const inv = guideInventory();
const n1 = inv.hosts[1];
const ADDR = { family: 'inet' as const, local: '10.0.0.11', prefixlen: 24 };
const LL = { family: 'inet6' as const, local: 'fe80::1', prefixlen: 64 };

const link = (name: string, kind: string, o: Partial<Link> = {}): Link => ({
  name,
  kind,
  up: true,
  mac: '02:00:00:00:00:01',
  addresses: [],
  ...o,
});
const port = (name: string, bridge: string, type: string, externalIds: Record<string, string> = {}): OvsPort => ({
  name,
  bridge,
  protected: type === 'gre',
  externalIds,
  interfaces: [{ name, type, options: type === 'gre' ? { remote_ip: '10.0.0.12' } : {}, ofport: 1, error: '' }],
});
const bridge = (name: string, ports: string[]) => ({
  name,
  datapathType: 'netdev',
  otherConfig: {},
  ports: [...ports].sort(),
});

/** What gre-mesh with underlayBridge leaves on n1: br-phy with eth0 and the address, br0 with 2 tunnels in docker0. */
const meshLayout = (): OvsLayout => ({
  bridges: [bridge('br-phy', ['br-phy', 'eth0']), bridge('br0', ['br0', 'gre-m1', 'gre-n2'])],
  ports: [
    port('br-phy', 'br-phy', 'internal'),
    port('eth0', 'br-phy', ''),
    port('br0', 'br0', 'internal'),
    port('gre-m1', 'br0', 'gre', { 'ovnctl-peer': 'm1' }),
    port('gre-n2', 'br0', 'gre', { 'ovnctl-peer': 'n2' }),
  ],
});
const meshLinks = (addressOn: 'br-phy' | 'eth0' = 'br-phy'): Link[] => [
  link('lo', '', { addresses: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] }),
  link('eth0', 'veth', { addresses: addressOn === 'eth0' ? [ADDR, LL] : [LL] }),
  link('br-phy', 'tun', { addresses: addressOn === 'br-phy' ? [ADDR, LL] : [LL] }),
  link('br0', 'tun', { master: 'docker0' }),
  link('docker0', 'bridge', { addresses: [{ family: 'inet', local: '172.17.1.1', prefixlen: 24 }] }),
];

describe('ovs_uplink_release', () => {
  const f = (layout: OvsLayout | null, links: Link[]) => ({ 'net.ovs-layout': layout, 'net.links': links });
  it("moves br-phy's address back to its NIC in one command (the link-local address stays)", async () => {
    const plan = await planWith(ovsUplinkRelease, {}, f(meshLayout(), meshLinks()), inv, n1);
    expect(plan.commands).toHaveLength(1);
    expect(plan.msg).toBe('move 10.0.0.11/24 from br-phy back to eth0');
    expect(plan.diff).toEqual({ before: '10.0.0.11/24 on br-phy (port eth0)', after: '10.0.0.11/24 on eth0' });
    const s = scripts(plan)[0];
    expect(s).toContain('ip addr replace 10.0.0.11/24 brd + dev eth0');
    expect(s).toContain('ip addr flush dev br-phy scope global');
    expect(s).not.toContain('fe80');
  });
  it('plans nothing once the address is on the NIC (a rerun), or when Open vSwitch is stopped', async () => {
    expect((await planWith(ovsUplinkRelease, {}, f(meshLayout(), meshLinks('eth0')), inv, n1)).commands).toEqual([]);
    expect((await planWith(ovsUplinkRelease, {}, f(null, meshLinks('eth0')), inv, n1)).commands).toEqual([]);
  });
  it('moves a gateway bridge too (any OVS bridge holding an address with one NIC)', async () => {
    const layout: OvsLayout = {
      bridges: [bridge('breth1', ['breth1', 'eth1', 'patch-breth1-to-br-int'])],
      ports: [
        port('breth1', 'breth1', 'internal'),
        port('eth1', 'breth1', ''),
        port('patch-breth1-to-br-int', 'breth1', 'patch'),
      ],
    };
    const links = [
      link('eth1', ''),
      link('breth1', 'openvswitch', {
        addresses: [
          { family: 'inet', local: '192.168.5.2', prefixlen: 24 },
          { family: 'inet6', local: '2001:db8::2', prefixlen: 64 },
        ],
      }),
    ];
    const plan = await planWith(ovsUplinkRelease, {}, f(layout, links), inv, n1);
    expect(plan.msg).toBe('move 192.168.5.2/24 2001:db8::2/64 from breth1 back to eth1');
    const s = scripts(plan)[0];
    expect(s).toContain('ip -6 addr replace 2001:db8::2/64 dev eth1');
    expect(s).toContain("r6=$(ip -6 route show dev breth1 | grep -v -e 'proto kernel'");
  });
  it('leaves a bridge whose address has no NIC to go to, and refuses one with several NICs', async () => {
    const internalOnly: OvsLayout = { bridges: [bridge('brx', ['brx'])], ports: [port('brx', 'brx', 'internal')] };
    const p = await planWith(
      ovsUplinkRelease,
      {},
      f(internalOnly, [link('brx', 'openvswitch', { addresses: [ADDR] })]),
      inv,
      n1,
    );
    expect(p.commands).toEqual([]);
    expect(p.msg).toMatch(/brx holds 10.0.0.11\/24 but no NIC/);
    const two: OvsLayout = {
      bridges: [bridge('brx', ['brx', 'eth0', 'eth1'])],
      ports: [port('brx', 'brx', 'internal'), port('eth0', 'brx', ''), port('eth1', 'brx', '')],
    };
    await expect(
      planWith(
        ovsUplinkRelease,
        {},
        f(two, [link('brx', 'tun', { addresses: [ADDR] }), link('eth0', ''), link('eth1', '')]),
        inv,
        n1,
      ),
    ).rejects.toThrow(/several NICs \(eth0, eth1\).*move them by hand/);
  });
  it("does not take a VM's tap or another bridge for the NIC", async () => {
    const layout: OvsLayout = {
      bridges: [bridge('brx', ['brx', 'tap0'])],
      ports: [port('brx', 'brx', 'internal'), port('tap0', 'brx', '')],
    };
    const p = await planWith(
      ovsUplinkRelease,
      {},
      f(layout, [link('brx', 'tun', { addresses: [ADDR] }), link('tap0', 'tun')]),
      inv,
      n1,
    );
    expect(p.commands).toEqual([]);
  });
});

describe('releaseUplinkCommand, run against stub ip and ovs-vsctl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovnctl-release-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'log');
  for (const tool of ['ip', 'ovs-vsctl']) {
    // Records its argv; fails when the argv matches $FAIL; prints the routes of `route show dev br-phy`.
    writeFileSync(
      join(dir, tool),
      `#!/bin/sh\necho "${tool} $*" >> ${log}\n` +
        `case "$*" in "$FAIL") exit 2;; esac\n` +
        'case "$*" in "-4 route show dev br-phy") ' +
        'echo "10.0.0.0/24 proto kernel scope link src 10.0.0.11"; echo "default via 10.0.0.1 linkdown"; ' +
        'echo "10.9.0.0/16 via 10.0.0.254 metric 50";; esac\n',
    );
    chmodSync(join(dir, tool), 0o755);
  }
  const runScript = (fail: string) => {
    writeFileSync(log, '');
    const script = releaseUplinkCommand({ bridge: 'br-phy', uplink: 'eth0', addresses: [ADDR] }).script;
    let code = 0;
    try {
      execFileSync('sh', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin`, FAIL: fail }, stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
    }
    return { code, calls: readFileSync(log, 'utf8').trim().split('\n') };
  };
  it('adds the address to the NIC before taking it off the bridge, releases the NIC, then moves the routes', () => {
    const { code, calls } = runScript('never');
    expect(code).toBe(0);
    expect(calls).toEqual([
      'ip -4 route show dev br-phy',
      'ip link set eth0 up',
      'ip addr replace 10.0.0.11/24 brd + dev eth0',
      'ip addr flush dev br-phy scope global',
      'ovs-vsctl --timeout=10 --if-exists del-port br-phy eth0',
      'ip -4 route replace default via 10.0.0.1 dev eth0',
      'ip -4 route replace 10.9.0.0/16 via 10.0.0.254 metric 50 dev eth0',
    ]);
  });
  it('puts everything back on the bridge when a step fails, and exits 1', () => {
    const { code, calls } = runScript('-4 route replace default via 10.0.0.1 dev eth0');
    expect(code).toBe(1);
    const rollback = calls.slice(calls.indexOf('ip -4 route replace default via 10.0.0.1 dev eth0') + 1);
    expect(rollback).toEqual([
      'ovs-vsctl --timeout=10 --may-exist add-port br-phy eth0',
      'ip link set br-phy up',
      'ip addr replace 10.0.0.11/24 brd + dev br-phy',
      'ip -4 route replace default via 10.0.0.1 dev br-phy',
      'ip -4 route replace 10.9.0.0/16 via 10.0.0.254 metric 50 dev br-phy',
      'ip addr del 10.0.0.11/24 dev eth0',
    ]);
  });
  it('a failure before anything moved leaves the bridge as it was', () => {
    const { code, calls } = runScript('addr replace 10.0.0.11/24 brd + dev eth0');
    expect(code).toBe(1);
    expect(calls).not.toContain('ip addr flush dev br-phy scope global');
    expect(calls.at(-1)).toBe('ip addr del 10.0.0.11/24 dev eth0');
  });
  it('ignores a dropped session (SIGHUP, SIGPIPE) so the step always finishes or rolls back', () => {
    expect(releaseUplinkCommand({ bridge: 'br-phy', uplink: 'eth0', addresses: [ADDR] }).script).toMatch(
      /^trap '' HUP PIPE\n/,
    );
  });
});

describe('gre_mesh_absent', () => {
  const args = { bridge: 'br0', linuxBridge: 'docker0', podNetwork: '172.17.0.0/16', underlayBridge: true };
  const f = (layout: OvsLayout | null, links: Link[], docker = false, offline: object = { exists: false }) => ({
    'net.ovs-layout': layout,
    'net.links': links,
    'docker.present': docker,
    'ovs.conf-offline': { bridges: [], externalIds: {}, ...offline },
  });
  it('deletes br0 with its tunnel ports, br-phy (its address moved already), docker0 that ovnctl made', async () => {
    const plan = await planWith(greMeshAbsent, args, f(meshLayout(), meshLinks('eth0')), inv, n1);
    expect(scripts(plan)).toEqual([
      'ovs-vsctl --timeout=10 --if-exists del-br br0',
      'ovs-vsctl --timeout=10 --if-exists del-br br-phy',
      'ip link del docker0',
    ]);
    expect(plan.msg).toBe(
      'delete bridge br0 and its 2 tunnel port(s); delete bridge br-phy; delete docker0 and its pod route',
    );
  });
  it('plans nothing when the mesh is gone (a rerun)', async () => {
    const plan = await planWith(greMeshAbsent, args, f(null, [link('eth0', 'veth', { addresses: [ADDR] })]), inv, n1);
    expect(plan.commands).toEqual([]);
  });
  it('never deletes br-phy while it holds the host address (under --check the move has not run yet)', async () => {
    const plan = await planWith(greMeshAbsent, args, f(meshLayout(), meshLinks('br-phy')), inv, n1);
    expect(scripts(plan)).not.toContain('ovs-vsctl --timeout=10 --if-exists del-br br-phy');
    expect(scripts(plan)).toContain('ovs-vsctl --timeout=10 --if-exists del-br br0');
    expect(plan.msg).toMatch(/kept br-phy \(it holds 10.0.0.11\/24: moved to its NIC first\)/);
  });
  it('leaves br-phy alone when the inventory does not use underlayBridge', async () => {
    const plan = await planWith(
      greMeshAbsent,
      { ...args, underlayBridge: false },
      f(meshLayout(), meshLinks()),
      inv,
      n1,
    );
    expect(scripts(plan)).not.toContain('ovs-vsctl --timeout=10 --if-exists del-br br-phy');
  });
  it('keeps br0 when it has ports ovnctl did not make, removing only its own tunnel ports', async () => {
    const layout = meshLayout();
    layout.bridges[1].ports.push('vm1');
    layout.ports.push(port('vm1', 'br0', ''));
    const plan = await planWith(greMeshAbsent, args, f(layout, meshLinks('eth0')), inv, n1);
    expect(scripts(plan).slice(0, 2)).toEqual([
      'ovs-vsctl --timeout=10 --if-exists del-port br0 gre-m1',
      'ovs-vsctl --timeout=10 --if-exists del-port br0 gre-n2',
    ]);
    expect(plan.msg).toMatch(/kept br0 \(ports not made by ovnctl: vm1\)/);
  });
  it("keeps docker0 when Docker is installed, pods hang off it, or it holds another network's address", async () => {
    const layout = meshLayout();
    const docker = await planWith(greMeshAbsent, args, f(layout, meshLinks('eth0'), true), inv, n1);
    expect(scripts(docker)).not.toContain('ip link del docker0');
    expect(docker.msg).toMatch(/kept docker0 \(Docker is installed and owns it\)/);
    const pods = await planWith(
      greMeshAbsent,
      args,
      f(layout, [...meshLinks('eth0'), link('vpod', 'veth', { master: 'docker0' })]),
      inv,
      n1,
    );
    expect(pods.msg).toMatch(/kept docker0 \(ports vpod are on it\)/);
    const links = meshLinks('eth0');
    links[4].addresses.push({ family: 'inet', local: '192.168.9.1', prefixlen: 24 });
    const other = await planWith(greMeshAbsent, args, f(layout, links), inv, n1);
    expect(other.msg).toMatch(/kept docker0 \(it holds 192.168.9.1\/24, outside 172.17.0.0\/16\)/);
  });
  it('drops br0 and br-phy from conf.db when Open vSwitch is stopped: a start does not bring them back', async () => {
    const offline = {
      exists: true,
      bridges: [
        { name: 'br0', uuid: 'u-br0' },
        { name: 'br-phy', uuid: 'u-phy' },
        { name: 'br-ex', uuid: 'u-ex' },
      ],
    };
    const plan = await planWith(greMeshAbsent, args, f(null, meshLinks('eth0'), false, offline), inv, n1);
    expect(scripts(plan)[0]).toBe(
      'ovsdb-tool transact /etc/openvswitch/conf.db ' +
        `'["Open_vSwitch",{"op":"mutate","table":"Open_vSwitch","where":[],` +
        `"mutations":[["bridges","delete",["uuid","u-br0"]],["bridges","delete",["uuid","u-phy"]]]}]'`,
    );
  });
  it('takes underlayBridge as the playbook renders it', () => {
    expect(greMeshAbsent.args.parse({ ...args, underlayBridge: 'false' }).underlayBridge).toBe(false);
    expect(greMeshAbsent.args.parse({ ...args, underlayBridge: true }).underlayBridge).toBe(true);
  });
});
