// The tunnel endpoint of a host named by DNS without encapIp: the address the host itself uses toward the
// first master, as its kernel picks it (`ip route get` → src). That is the address the node's
// ovn-controller reaches the masters from, so it is the one other chassis can reach it at; the controller
// (where ovnctl runs) may see the host at another address, or resolve its name differently.
import { isIP } from 'node:net';
import { canonicalIp } from '../inventory/checks.js';
import { quote } from '../shell/quote.js';
import { defineFact, type Fact } from './fact.js';
import { Resource } from './resources.js';

/**
 * `10.0.0.10 dev eth0 src 10.0.0.11 uid 0` / `2001:db8::10 from :: via fe80::1 dev eth0 src 2001:db8::11 ...`
 * → the src address; null when there is none (no route, or `ip` failed).
 */
export function parseRouteSource(out: string, exitCode: number): string | null {
  if (exitCode !== 0) return null;
  const m = /\bsrc\s+(\S+)/.exec(out);
  // canonicalIp spells IPv6 as a URL host does ([...]); ovn-encap-ip takes the address alone.
  return m && isIP(m[1]) ? canonicalIp(m[1]).replace(/^\[(.*)\]$/, '$1') : null;
}

/** The host's source address toward `target` (an IP address: the first master's). */
export function encapAddress(target: string): Fact<string | null> {
  if (!isIP(target)) throw new Error(`encapAddress: ${target} is not an IP address`);
  return defineFact(`net.encap-address:${target}`, `ip route get ${quote(target)}`, parseRouteSource, {
    reads: [Resource.links],
    inline: true,
  });
}
