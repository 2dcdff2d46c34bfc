// Facts about the host's Linux networking: links with their addresses, IPv4 routes, /proc/sys values.
// Read through iproute2's JSON output (`ip -j`), so no column layout is guessed.
import { quote } from '../shell/quote.js';
import { defineFact } from './fact.js';
import { Resource } from './resources.js';

export interface IpAddress {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
}

export interface Link {
  name: string;
  /** linkinfo kind: bridge, veth, tun (OVS userspace ports), openvswitch (OVS kernel ports), '' for a NIC. */
  kind: string;
  /** The bridge (or bond) this link is a port of. */
  master?: string;
  /** Administratively up (`ip link set ... up`). */
  up: boolean;
  mac: string;
  addresses: IpAddress[];
}

interface RawLink {
  ifname: string;
  flags?: string[];
  master?: string;
  address?: string;
  linkinfo?: { info_kind?: string };
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

export function parseLinks(out: string): Link[] {
  const raw = JSON.parse(out.trim() || '[]') as RawLink[];
  return raw.map((l) => ({
    name: l.ifname,
    kind: l.linkinfo?.info_kind ?? '',
    ...(l.master ? { master: l.master } : {}),
    up: (l.flags ?? []).includes('UP'),
    mac: l.address ?? '',
    addresses: (l.addr_info ?? [])
      .filter((a) => a.family === 'inet' || a.family === 'inet6')
      .map((a) => ({ family: a.family as IpAddress['family'], local: a.local, prefixlen: a.prefixlen })),
  }));
}

/** Every link with its addresses; null when iproute2 cannot print JSON (too old). */
export const ipLinks = defineFact('net.links', 'ip -j -d addr show', (out, rc) => (rc === 0 ? parseLinks(out) : null), {
  reads: [Resource.links],
});

export interface Route {
  /** `default` or a CIDR (a host route is printed without /32). */
  dst: string;
  dev?: string;
  gateway?: string;
  protocol?: string;
  scope?: string;
}

/** The IPv4 routes of the main table. */
export const ipv4Routes = defineFact(
  'net.routes4',
  'ip -j -4 route show table main',
  (out, rc): Route[] | null => {
    if (rc !== 0) return null;
    return (JSON.parse(out.trim() || '[]') as Route[]).map(({ dst, dev, gateway, protocol, scope }) => ({
      dst,
      dev,
      gateway,
      protocol,
      scope,
    }));
  },
  { reads: [Resource.links] },
);

/** A kernel setting by its sysctl name (net.ipv4.ip_forward); null when the kernel has no such knob. */
export function procSys(name: string) {
  return defineFact(
    `net.sysctl:${name}`,
    `cat ${quote(procSysPath(name))}`,
    (out, rc) => (rc === 0 ? out.trim() : null),
    {
      reads: [Resource.links],
    },
  );
}

export function procSysPath(name: string): string {
  return `/proc/sys/${name.replace(/\./g, '/')}`;
}
