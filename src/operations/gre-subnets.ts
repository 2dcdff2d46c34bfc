// Each mesh host owns one pod subnet: the one greMesh.hostSubnets names, else the next free /24 of the
// pod network in inventory host order. The bridge on the host (docker0) holds the subnet's first
// address as the pods' gateway.
import {
  cidrsOverlap,
  formatCidr,
  formatIpv4,
  networkOf,
  nthBlock,
  parseIpv4Cidr,
  type Ipv4Cidr,
} from '../util/ipv4.js';

export const ALLOCATED_PREFIX = 24;

export interface PodSubnet {
  /** Network address form, e.g. 172.17.1.0/24. */
  cidr: string;
  /** The gateway with the subnet's prefix, as `ip addr add` takes it: 172.17.1.1/24. */
  gatewayCidr: string;
  gateway: string;
}

function subnet(c: Ipv4Cidr): PodSubnet {
  const network = networkOf(c);
  const gateway = formatIpv4(network + 1);
  return { cidr: formatCidr(network, c.prefixlen), gatewayCidr: `${gateway}/${c.prefixlen}`, gateway };
}

/**
 * The pod subnet of every host. Explicit ones are taken as given (the schema checked them); the others
 * get the lowest /24s that overlap no explicit one, in host order. Throws an Error saying what is
 * wrong when the pod network has no room left.
 */
export function podSubnets(
  hosts: readonly string[],
  podNetwork: string,
  explicit: Record<string, string> = {},
): Map<string, PodSubnet> {
  const net = parseIpv4Cidr(podNetwork);
  if (!net) throw new Error(`greMesh.podNetwork ${podNetwork} is not an IPv4 CIDR`);
  const out = new Map<string, PodSubnet>();
  const taken: Ipv4Cidr[] = [];
  for (const h of hosts) {
    const given = explicit[h] ? parseIpv4Cidr(explicit[h]) : null;
    if (given) {
      out.set(h, subnet(given));
      taken.push(given);
    }
  }
  let next = 0;
  for (const h of hosts) {
    if (out.has(h)) continue;
    for (;;) {
      const block = nthBlock(net, ALLOCATED_PREFIX, next++);
      if (!block) {
        const auto = hosts.filter((x) => !explicit[x]).length;
        throw new Error(
          `greMesh.podNetwork ${podNetwork} has no free /${ALLOCATED_PREFIX} left for host ${h} ` +
            `(${auto} hosts need one): give a larger podNetwork, or set greMesh.hostSubnets`,
        );
      }
      if (taken.some((t) => cidrsOverlap(t, block))) continue;
      out.set(h, subnet(block));
      taken.push(block);
      break;
    }
  }
  return out;
}
