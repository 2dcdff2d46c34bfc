// ovs_bridge and ovs_underlay (the tunnel endpoint address moved onto br-phy) from fixture facts.
import { describe, expect, it } from 'vitest';
import type { OvsLayout } from '../../../src/facts/net-ovs.js';
import type { Link } from '../../../src/facts/net.js';
import { ovsUnderlay } from '../../../src/operations/ovs-bridge-underlay.js';
import { ovsBridge } from '../../../src/operations/ovs-bridge.js';
import { guideInventory } from '../../helpers/inventory.js';
import { planWith, scripts } from '../../helpers/plan.js';

const inv = guideInventory();
const n1 = inv.hosts[1];
const bridges = (...b: [string, string, string[]][]): OvsLayout => ({
  bridges: b.map(([name, datapathType, ports]) => ({ name, datapathType, otherConfig: {}, ports })),
  ports: [],
});

describe('ovs_bridge', () => {
  it('adds the bridge with the userspace datapath when asked', async () => {
    const plan = await planWith(
      ovsBridge,
      { name: 'br0', datapathType: 'netdev' },
      { 'net.ovs-layout': bridges() },
      inv,
    );
    expect(scripts(plan)).toEqual([
      'ovs-vsctl --timeout=10 --may-exist add-br br0 -- set bridge br0 datapath_type=netdev',
    ]);
  });
  it('adds a kernel-datapath bridge as the guide does', async () => {
    const plan = await planWith(ovsBridge, { name: 'br0' }, { 'net.ovs-layout': null }, inv);
    expect(scripts(plan)).toEqual(['ovs-vsctl --timeout=10 --may-exist add-br br0']);
  });
  it('changes nothing when the bridge is there (an empty datapath_type is the kernel one)', async () => {
    expect(
      (await planWith(ovsBridge, { name: 'br0' }, { 'net.ovs-layout': bridges(['br0', '', ['br0']]) }, inv)).commands,
    ).toEqual([]);
    expect(
      (
        await planWith(
          ovsBridge,
          { name: 'br0', datapathType: 'netdev' },
          { 'net.ovs-layout': bridges(['br0', 'netdev', ['br0']]) },
          inv,
        )
      ).commands,
    ).toEqual([]);
  });
  it('switches the datapath of an existing bridge', async () => {
    const plan = await planWith(
      ovsBridge,
      { name: 'br0', datapathType: 'netdev' },
      { 'net.ovs-layout': bridges(['br0', '', ['br0']]) },
      inv,
    );
    expect(scripts(plan)).toEqual(['ovs-vsctl --timeout=10 set bridge br0 datapath_type=netdev']);
  });
});

describe('ovs_underlay', () => {
  const eth0 = (o: Partial<Link> = {}): Link => ({
    name: 'eth0',
    kind: '',
    up: true,
    mac: '26:26:bb:ab:10:68',
    addresses: [{ family: 'inet', local: '10.0.0.11', prefixlen: 24 }],
    ...o,
  });
  const brPhy = (o: Partial<Link> = {}): Link => ({
    name: 'br-phy',
    kind: 'tun',
    up: true,
    mac: '26:26:bb:ab:10:68',
    addresses: [{ family: 'inet', local: '10.0.0.11', prefixlen: 24 }],
    ...o,
  });
  const ARGS = { bridge: 'br-phy', address: '10.0.0.11', datapathType: 'netdev' };
  const plan = (links: Link[], layout: OvsLayout | null) =>
    planWith(ovsUnderlay, ARGS, { 'net.links': links, 'net.ovs-layout': layout }, inv, n1);

  it(
    'moves the address in ONE command: br-phy gets it (and the uplink MAC) before the uplink loses it, ' +
      'then the routes follow',
    async () => {
      const p = await plan([eth0()], bridges());
      expect(p.commands).toHaveLength(1);
      const s = p.commands[0].script;
      const order = [
        'ovs-vsctl --timeout=10 --may-exist add-br br-phy ' +
          `-- set bridge br-phy datapath_type=netdev 'other_config:hwaddr="26:26:bb:ab:10:68"' ` +
          '-- --may-exist add-port br-phy eth0',
        'if [ "$ofport" -le 0 ]; then',
        `routes=$(ip -4 route show dev eth0 | grep -v 'proto kernel' || true)`,
        'ip link set br-phy up',
        'ip addr replace 10.0.0.11/24 brd + dev br-phy',
        'ip addr del 10.0.0.11/24 dev eth0',
        'ip route replace $route dev br-phy',
      ].map((line) => s.indexOf(line));
      expect(order.every((i) => i >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(s.startsWith('set -e\n')).toBe(true);
      expect(p.diff).toEqual({ before: '10.0.0.11/24 on eth0', after: '10.0.0.11/24 on br-phy (ports: eth0)' });
    },
  );

  it('changes nothing once the address is on br-phy with the uplink as its port', async () => {
    const p = await plan([eth0({ addresses: [] }), brPhy()], bridges(['br-phy', 'netdev', ['br-phy', 'eth0']]));
    expect(p.commands).toEqual([]);
    expect(p.msg).toBe('10.0.0.11 on br-phy (uplink eth0, netdev datapath)');
  });

  it('finishes a move that stopped with the address on both', async () => {
    const p = await plan([eth0(), brPhy()], bridges(['br-phy', 'netdev', ['br-phy', 'eth0']]));
    expect(scripts(p)).toEqual(['ip addr del 10.0.0.11/24 dev eth0']);
  });

  it('fails when br-phy holds the address but no uplink', async () => {
    await expect(plan([brPhy()], bridges(['br-phy', 'netdev', ['br-phy']]))).rejects.toThrow(
      /10.0.0.11 is on br-phy but br-phy holds no uplink/,
    );
  });

  it('never moves an address off a bridge or an OVS port, nor one that is nowhere', async () => {
    await expect(plan([eth0({ name: 'docker0', kind: 'bridge' })], bridges())).rejects.toThrow(
      /10.0.0.11 is on docker0, a bridge link, not a NIC/,
    );
    await expect(plan([eth0({ addresses: [] })], bridges())).rejects.toThrow(
      /no interface holds the tunnel endpoint 10.0.0.11/,
    );
  });

  it('refuses to switch the datapath of the bridge that carries the host address', async () => {
    await expect(plan([brPhy()], bridges(['br-phy', '', ['br-phy', 'eth0']]))).rejects.toThrow(
      /would cut the host off/,
    );
  });
});
