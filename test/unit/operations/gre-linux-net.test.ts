// pod_bridge, ip_route and sysctl from fixture facts, and the pod subnet each host gets.
import { describe, expect, it } from 'vitest';
import type { Link } from '../../../src/facts/net.js';
import { InventorySchema } from '../../../src/inventory/schema.js';
import { podSubnets } from '../../../src/operations/gre-subnets.js';
import { ipRoute, podBridge, sysctl } from '../../../src/operations/linux-net.js';
import { guideInventory } from '../../helpers/inventory.js';
import { planWith, scripts } from '../../helpers/plan.js';

const inv = guideInventory();
const [m1, n1, n2] = inv.hosts;
const ARGS = { name: 'docker0', ports: ['br0'], podNetwork: '172.17.0.0/16', hostSubnets: null };

const link = (name: string, o: Partial<Link> = {}): Link => ({
  name,
  kind: '',
  up: true,
  mac: '02:00:00:00:00:01',
  addresses: [],
  ...o,
});
const v4 = (cidr: string) => ({
  family: 'inet' as const,
  local: cidr.split('/')[0],
  prefixlen: Number(cidr.split('/')[1]),
});
const br0 = (o: Partial<Link> = {}) => link('br0', { kind: 'tun', master: 'docker0', ...o });
const docker0 = (...addrs: string[]) => link('docker0', { kind: 'bridge', addresses: addrs.map(v4) });

describe('pod subnets', () => {
  it('allocates /24s of the pod network in inventory host order', () => {
    const s = podSubnets(['m1', 'n1', 'n2'], '172.17.0.0/16');
    expect([...s.values()].map((x) => [x.cidr, x.gatewayCidr])).toEqual([
      ['172.17.0.0/24', '172.17.0.1/24'],
      ['172.17.1.0/24', '172.17.1.1/24'],
      ['172.17.2.0/24', '172.17.2.1/24'],
    ]);
  });
  it('takes explicit subnets as given and skips them when allocating the rest', () => {
    const s = podSubnets(['m1', 'n1', 'n2'], '172.17.0.0/16', { n1: '172.17.0.0/23', n2: '172.17.9.0/25' });
    expect(s.get('n1')).toEqual({ cidr: '172.17.0.0/23', gatewayCidr: '172.17.0.1/23', gateway: '172.17.0.1' });
    expect(s.get('n2')!.gatewayCidr).toBe('172.17.9.1/25');
    expect(s.get('m1')!.cidr).toBe('172.17.2.0/24');
  });
  it('says so when the pod network has no /24 left', () => {
    expect(() => podSubnets(['m1', 'n1'], '10.1.0.0/24')).toThrow(
      /10.1.0.0\/24 has no free \/24 left for host n1.*hostSubnets/,
    );
  });
});

describe('greMesh settings (inventory schema)', () => {
  const check = (greMesh: object) => {
    const r = InventorySchema.safeParse({
      hosts: { m1: { address: '10.0.0.10', roles: ['master'] }, n1: { address: '10.0.0.11', roles: ['node'] } },
      greMesh,
    });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('accepts the defaults and subnets inside the pod network', () => {
    expect(check({})).toEqual([]);
    expect(check({ hostSubnets: { m1: '172.17.1.0/24', n1: '172.17.2.0/24' } })).toEqual([]);
  });
  it('refuses subnets outside the pod network, overlapping, or not in network form, and IPv6 pod networks', () => {
    expect(check({ hostSubnets: { n1: '10.1.0.0/24' } })).toEqual([
      'greMesh.hostSubnets.n1: 10.1.0.0/24 is outside greMesh.podNetwork 172.17.0.0/16',
    ]);
    expect(check({ hostSubnets: { m1: '172.17.0.0/23', n1: '172.17.1.0/24' } })).toEqual([
      "greMesh.hostSubnets.n1: 172.17.1.0/24 overlaps m1's subnet 172.17.0.0/23",
    ]);
    expect(check({ hostSubnets: { n1: '172.17.1.1/24' } })).toEqual([
      'greMesh.hostSubnets.n1: 172.17.1.1/24 is not a network address (did you mean 172.17.1.0/24?)',
    ]);
    expect(check({ podNetwork: 'fd00::/48' })[0]).toMatch(/^greMesh.podNetwork: must be an IPv4 CIDR/);
  });
});

describe('pod_bridge', () => {
  it(
    'creates docker0 with the pod subnet gateway, attaches br0 (ip link set master, not brctl), ' + 'brings both up',
    async () => {
      const plan = await planWith(podBridge, ARGS, { 'net.links': [br0({ master: undefined, up: false })] }, inv, n1);
      expect(scripts(plan)).toEqual([
        'ip link add docker0 type bridge',
        'ip addr add 172.17.1.1/24 dev docker0',
        'ip link set br0 master docker0',
        'ip link set br0 up',
        'ip link set docker0 up',
      ]);
      expect(plan.msg).toBe(
        'create docker0, address 172.17.1.1/24, attach br0, br0 up, docker0 up (pod subnet 172.17.1.0/24)',
      );
    },
  );

  it('changes nothing when converged', async () => {
    const plan = await planWith(podBridge, ARGS, { 'net.links': [docker0('172.17.0.1/24'), br0()] }, inv, m1);
    expect(plan.commands).toEqual([]);
  });

  it(
    "replaces Docker's default 172.17.0.1/16 (it would claim every host's pods) " +
      'and keeps addresses outside the pod network',
    async () => {
      const plan = await planWith(
        podBridge,
        ARGS,
        { 'net.links': [docker0('172.17.0.1/16', '192.168.7.1/24'), br0()] },
        inv,
        n2,
      );
      expect(scripts(plan)).toEqual(['ip addr del 172.17.0.1/16 dev docker0', 'ip addr add 172.17.2.1/24 dev docker0']);
    },
  );

  it('uses greMesh.hostSubnets when given', async () => {
    const plan = await planWith(
      podBridge,
      { ...ARGS, hostSubnets: { n1: '172.17.42.0/24' } },
      { 'net.links': [docker0(), br0()] },
      inv,
      n1,
    );
    expect(scripts(plan)).toEqual(['ip addr add 172.17.42.1/24 dev docker0']);
  });

  it('plans the attach even before br0 exists (--check on a fresh host)', async () => {
    const plan = await planWith(podBridge, ARGS, { 'net.links': [] }, inv, m1);
    expect(scripts(plan)).toContain('ip link set br0 master docker0');
    expect(scripts(plan)).toContain('ip link set br0 up');
  });

  it('refuses a docker0 that is not a bridge', async () => {
    await expect(
      planWith(podBridge, ARGS, { 'net.links': [link('docker0', { kind: 'veth' })] }, inv, m1),
    ).rejects.toThrow(/docker0 exists but is a veth link, not a Linux bridge/);
  });
});

describe('ip_route', () => {
  const ARGS_ROUTE = { dst: '172.17.0.0/16', dev: 'docker0' };
  it('adds the pod network route with ip route replace', async () => {
    const plan = await planWith(ipRoute, ARGS_ROUTE, { 'net.routes4': [{ dst: '10.0.0.0/24', dev: 'eth0' }] }, inv);
    expect(scripts(plan)).toEqual(['ip route replace 172.17.0.0/16 dev docker0']);
  });
  it('replaces a route through a gateway or another device', async () => {
    const plan = await planWith(
      ipRoute,
      ARGS_ROUTE,
      { 'net.routes4': [{ dst: '172.17.0.0/16', dev: 'eth0', gateway: '10.0.0.1' }] },
      inv,
    );
    expect(scripts(plan)).toEqual(['ip route replace 172.17.0.0/16 dev docker0']);
    expect(plan.diff).toEqual({ before: '172.17.0.0/16 via 10.0.0.1 dev eth0', after: '172.17.0.0/16 dev docker0' });
  });
  it('changes nothing when the route is there', async () => {
    const plan = await planWith(
      ipRoute,
      ARGS_ROUTE,
      { 'net.routes4': { raw: '[{"dst":"172.17.0.0/16","dev":"docker0","scope":"link","flags":[]}]' } },
      inv,
    );
    expect(plan.commands).toEqual([]);
  });
});

describe('sysctl', () => {
  it('writes /proc/sys when the value differs, and not otherwise', async () => {
    const on = await planWith(
      sysctl,
      { name: 'net.ipv4.ip_forward', value: 1 },
      { 'net.sysctl:net.ipv4.ip_forward': { raw: '0\n' } },
      inv,
    );
    expect(scripts(on)).toEqual(['echo 1 > /proc/sys/net/ipv4/ip_forward']);
    const done = await planWith(
      sysctl,
      { name: 'net.ipv4.ip_forward', value: '1' },
      { 'net.sysctl:net.ipv4.ip_forward': { raw: '1\n' } },
      inv,
    );
    expect(done.commands).toEqual([]);
  });
  it('fails on a setting the kernel does not have', async () => {
    await expect(
      planWith(sysctl, { name: 'net.ipv4.nope', value: 1 }, { 'net.sysctl:net.ipv4.nope': { raw: '', rc: 1 } }, inv),
    ).rejects.toThrow(/no setting net.ipv4.nope/);
  });
});
