// Preflight: the tunnel address (encapIp) is an address of the host, and the host can route to every other
// host's tunnel address. Read from the host's own interfaces and routing table (`ip -o addr show`, one
// `ip route get` per peer in one `ip -batch`), never by sending packets: what is checked is what the kernel
// would do with a tunnel packet. A route is wrong when there is none, when it is `local` (the peer's tunnel
// address is also this host's: two hosts claim one address), or when the peer's address lies in the subnet
// of one of this host's own addresses and the route still leaves by a gateway or another interface (that
// interface is down, or its connected route is gone). A route through a gateway to a peer in another subnet
// is a routed underlay, which is fine. gre-mesh and ovs_underlay move the address onto br-phy: still an
// interface of the host, so a rerun passes.
import { isIP } from 'node:net';
import * as z from 'zod';
import type { HostAddress } from '../../facts/ip-read.js';
import { tunnelNet, type TunnelNet } from '../../facts/preflight-host.js';
import { canonicalIp } from '../../inventory/checks.js';
import type { Host, Inventory } from '../../inventory/types.js';
import { ipInCidr, parseIpv4 } from '../../util/ipv4.js';
import { defineModule } from '../module.js';
import { fail, pass, verdictPlan, type Verdict } from './verdict.js';

export interface Peer {
  name: string;
  encapIp: string;
}

/** The other hosts whose tunnel address is an IP (a DNS name is resolved elsewhere), in inventory order. */
export function tunnelPeers(inv: Inventory, host: Host): Peer[] {
  return inv.hosts
    .filter((h) => h.name !== host.name && isIP(h.encapIp) !== 0)
    .map((h) => ({ name: h.name, encapIp: canonicalIp(h.encapIp) }));
}

const describe = (a: HostAddress) => `${a.link} ${a.address}/${a.prefixlen}`;
const usable = (a: HostAddress) => a.link !== 'lo' && !a.address.startsWith('fe80:');

/** The host's own address whose IPv4 subnet holds `ip`, if any (the kernel's connected route would reach it). */
function sameSubnet(addrs: readonly HostAddress[], ip: string): HostAddress | undefined {
  const n = parseIpv4(ip);
  if (n === null) return undefined;
  return addrs.find((a) => {
    const own = parseIpv4(a.address);
    return own !== null && usable(a) && a.prefixlen < 32 && ipInCidr(n, { address: own, prefixlen: a.prefixlen });
  });
}

export function tunnelVerdicts(host: Host, net: TunnelNet, peers: readonly Peer[]): Verdict[] {
  const out: Verdict[] = [];
  const found: string[] = [];
  if (isIP(host.encapIp) !== 0) {
    const want = canonicalIp(host.encapIp);
    const own = net.addresses.find((a) => a.address === want);
    if (own) found.push(`${host.encapIp} on ${own.link}`);
    else {
      const list = net.addresses.filter(usable).map(describe).join(', ') || 'none but loopback';
      out.push(
        fail(
          `tunnel address ${host.encapIp} (encapIp) is not on any interface of ${host.name} (its addresses: ${list})`,
          `set hosts.${host.name}.encapIp to the address of the interface that carries the tunnels, ` +
            'or add the address to that interface',
        ),
      );
    }
  }
  const routes: string[] = [];
  for (const p of peers) {
    const r = net.routes[p.encapIp];
    const whose = `${p.name}'s tunnel address ${p.encapIp}`;
    if (!r || r.route === null) {
      out.push(
        fail(
          `${host.name} has no route to ${whose} (${r?.error || 'no answer'})`,
          `add a route toward it on ${host.name}, or correct hosts.${p.name}.encapIp`,
        ),
      );
      continue;
    }
    if (r.type === 'local') {
      out.push(
        fail(
          `${whose} is also an address of ${host.name}: tunnels to ${p.name} would loop back to ${host.name}`,
          `remove it from ${host.name}, or set hosts.${p.name}.encapIp to an address only ${p.name} holds`,
        ),
      );
      continue;
    }
    if (r.type !== 'unicast') {
      out.push(
        fail(
          `${host.name}'s route to ${whose} is ${r.type} (${r.route})`,
          `remove that ${r.type} route on ${host.name}`,
        ),
      );
      continue;
    }
    const subnet = sameSubnet(net.addresses, p.encapIp);
    if (subnet && (r.via !== '' || r.dev !== subnet.link)) {
      out.push(
        fail(
          `${host.name} would send to ${whose} ${r.via ? `via ${r.via} ` : ''}on ${r.dev}, although ` +
            `${describe(subnet)} is in its subnet`,
          `bring ${subnet.link} up (ip link set ${subnet.link} up) ` +
            `and check its route (ip route show dev ${subnet.link})`,
        ),
      );
      continue;
    }
    routes.push(`${p.name} ${r.via ? `via ${r.via} ` : ''}on ${r.dev}`);
  }
  if (out.length > 0) return out;
  if (routes.length) found.push(`routes to ${routes.join(', ')}`);
  return [pass(found.join('; ') || 'no tunnel address to check')];
}

export const preflightTunnel = defineModule({
  name: 'preflight_tunnel',
  args: z.object({}).strict(),
  facts: (_a, { host, inventory: inv }) => [tunnelNet(tunnelPeers(inv, host).map((p) => p.encapIp))],
  plan(_a, facts, { host, inventory: inv }) {
    const peers = tunnelPeers(inv, host);
    return verdictPlan(tunnelVerdicts(host, facts(tunnelNet(peers.map((p) => p.encapIp))), peers));
  },
});
