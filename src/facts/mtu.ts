// The host's links with their MTUs and addresses, from iproute2's one-line output (`ip -o`, which every
// iproute2 prints, where `ip -j` needs a newer one): what ovnkube's default -mtu is computed from (the
// link that holds the tunnel address) and what preflight checks a gateway interface against.
import { canonicalIp } from '../inventory/checks.js';
import { defineBatchFact } from './fact.js';
import { IP_READ, parseIpAddrs } from './ip-read.js';

export interface LinkMtu {
  name: string;
  mtu: number;
  /** Its IPv4 and IPv6 addresses, without prefix length, in canonical spelling. */
  addresses: string[];
}

/**
 * `ip -o link show` lines (`2: eth0: <BROADCAST,UP> mtu 1500 qdisc ...`, `5: veth0@if4: <...> mtu 1500`)
 * and `ip -o addr show` lines (`2: eth0    inet 10.0.0.11/24 brd ... scope global eth0\ ...`), in any
 * mix with other lines (facts/ip-read.ts reads them with the routes in one `ip -batch`).
 */
export function parseLinkMtus(out: string): LinkMtu[] {
  const links = new Map<string, LinkMtu>();
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)(?:@[^:\s]*)?:\s+<[^>]*>.*?\bmtu (\d+)/.exec(line);
    if (m) links.set(m[1], { name: m[1], mtu: Number(m[2]), addresses: [] });
  }
  for (const a of parseIpAddrs(out)) links.get(a.link)?.addresses.push(canonical(a.address));
  return [...links.values()];
}

function canonical(ip: string): string {
  try {
    return canonicalIp(ip);
  } catch {
    return ip.toLowerCase();
  }
}

/** Every link with its MTU and addresses; null when `ip` listed none. Read with the other facts of a gather. */
export const linkMtus = defineBatchFact('net.link-mtus', IP_READ, [], (out) => {
  const links = parseLinkMtus(out);
  return links.length > 0 ? links : null;
});

/** The link that holds `ip`, if any. */
export function linkHolding(links: readonly LinkMtu[], ip: string): LinkMtu | undefined {
  const want = canonical(ip);
  return links.find((l) => l.addresses.includes(want));
}
