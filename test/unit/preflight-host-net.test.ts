// Preflight's tunnel check from the `ip -o -force -batch -` output (routes, links, addresses) recorded on a
// Debian 12 lab node (test/fixtures/preflight/host/README.md): the encapIp on an interface, routes toward the
// other hosts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGatherScript } from '../../src/facts/gather.js';
import { linkMtus } from '../../src/facts/mtu.js';
import { parseTunnelNet, tunnelNet } from '../../src/facts/preflight-host.js';
import { preflightTunnel, tunnelPeers, tunnelVerdicts } from '../../src/operations/preflight/tunnel.js';
import { guideInventory, host } from '../helpers/inventory.js';
import { planWith } from '../helpers/plan.js';

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/preflight/host', name), 'utf8');
const RECORDED_PEERS = ['10.213.130.10', '10.213.130.13', '10.213.130.14', '192.0.2.7'];
const net = parseTunnelNet(fixture('debian12-ip-read.out'), RECORDED_PEERS);
const n1 = host('n1', '10.213.130.13', ['node']);
const problems = (vs: ReturnType<typeof tunnelVerdicts>) => vs.map((v) => (v.ok ? `ok: ${v.found}` : v.problem));

describe('tunnel address and routes', () => {
  it('parses addresses with prefixes and one route (or error) per peer, in order', () => {
    expect(net.addresses.filter((a) => a.link === 'eth0')).toEqual([
      { link: 'eth0', address: '10.213.130.13', prefixlen: 24 },
      { link: 'eth0', address: 'fe80::28a4:edff:fe0a:630b', prefixlen: 64 },
    ]);
    expect(net.routes['10.213.130.10']).toMatchObject({ type: 'unicast', dev: 'eth0', via: '' });
    expect(net.routes['10.213.130.13']).toMatchObject({ type: 'local', dev: 'lo' });
    expect(net.routes['192.0.2.7']).toMatchObject({ route: null, error: 'Network is unreachable' });
  });

  it('a node with its encapIp on eth0 and direct routes to the others passes, naming them', () => {
    const peers = [
      { name: 'm1', encapIp: '10.213.130.10' },
      { name: 'n2', encapIp: '10.213.130.14' },
    ];
    expect(problems(tunnelVerdicts(n1, net, peers))).toEqual([
      'ok: 10.213.130.13 on eth0; routes to m1 on eth0, n2 on eth0',
    ]);
  });

  it('an encapIp on no interface is named with the addresses the host has', () => {
    const wrong = { ...n1, encapIp: '192.168.50.11' };
    const [v] = tunnelVerdicts(wrong, net, []);
    if (v.ok) throw new Error('expected a failure');
    expect(v.problem).toBe(
      'tunnel address 192.168.50.11 (encapIp) is not on any interface of n1 ' +
        '(its addresses: eth0 10.213.130.13/24)',
    );
    expect(v.fix).toContain('hosts.n1.encapIp');
  });

  it("no route, and a peer address that is also this host's, fail", () => {
    const peers = [
      { name: 'x1', encapIp: '192.0.2.7' },
      { name: 'x2', encapIp: '10.213.130.13' },
    ];
    expect(problems(tunnelVerdicts(n1, net, peers))).toEqual([
      "n1 has no route to x1's tunnel address 192.0.2.7 (Network is unreachable)",
      "x2's tunnel address 10.213.130.13 is also an address of n1: tunnels to x2 would loop back to n1",
    ]);
  });

  it('a peer in the subnet of an own address must be reached on that interface, not via a gateway', () => {
    // Recorded with 192.168.50.11/24 on a veth pfa left down and a default route via 10.213.130.1: the
    // down link has no connected route, so the kernel would send the tunnel out eth0 to the gateway.
    const peers = ['192.168.50.12', '172.16.0.5'];
    const down = parseTunnelNet(fixture('debian12-ip-read-link-down.out'), peers);
    const out = problems(
      tunnelVerdicts({ ...n1, encapIp: '192.168.50.11' }, down, [
        { name: 'n2', encapIp: '192.168.50.12' },
        { name: 'far', encapIp: '172.16.0.5' },
      ]),
    );
    expect(out).toEqual([
      "n1 would send to n2's tunnel address 192.168.50.12 via 10.213.130.1 on eth0, although pfa 192.168.50.11/24 is " +
        'in its subnet',
    ]);
  });

  it('asks about every other host whose encapIp is an IP, in one fact', async () => {
    const hosts = [host('m1', '10.213.130.10', ['master']), n1, host('n2', '10.213.130.14', ['node'])];
    const inv = guideInventory({ hosts, groups: { all: ['m1', 'n1', 'n2'], masters: ['m1'], nodes: ['n1', 'n2'] } });
    expect(tunnelPeers(inv, n1).map((p) => p.encapIp)).toEqual(['10.213.130.10', '10.213.130.14']);
    const fact = tunnelNet(['10.213.130.10', '10.213.130.14']);
    const asked = "'route get 10.213.130.10' 'route get 10.213.130.14' 'link show' 'addr show'";
    expect(fact.command).toContain(`printf '%s\\n' ${asked} | ip -o -force -batch -`);
    // The recorded output answers for these two peers as well (the parser picks its own out).
    const plan = await planWith(preflightTunnel, {}, { [fact.key]: { raw: fixture('debian12-ip-read.out') } }, inv, n1);
    expect(plan.msg).toBe('10.213.130.13 on eth0; routes to m1 on eth0, n2 on eth0');
  });

  it("shares one `ip` with the links and MTUs ovnkube's -mtu is computed from", () => {
    const peers = ['10.213.130.10', '10.213.130.14'];
    const script = buildGatherScript([linkMtus, tunnelNet(peers)], 'n0nce');
    expect(script.match(/\bip -o -force -batch -/g)).toHaveLength(1);
    expect(linkMtus.parse(fixture('debian12-ip-read.out'), 0)).toContainEqual({
      name: 'eth0',
      mtu: 1500,
      addresses: ['10.213.130.13', '[fe80::28a4:edff:fe0a:630b]'],
    });
    const down = linkMtus.parse(fixture('debian12-ip-read-link-down.out'), 0);
    expect(down?.find((l) => l.name === 'pfa')).toEqual({ name: 'pfa', mtu: 1500, addresses: ['192.168.50.11'] });
    expect(linkMtus.parse('RTNETLINK answers: Operation not permitted\n', 1)).toBeNull();
  });
});
