// IPv4 arithmetic for pod subnets: CIDR parsing, containment, overlap, the n-th block of a network.
// Addresses are handled as unsigned 32-bit integers.

export interface Ipv4Cidr {
  /** The address as written (host bits may be set). */
  address: number;
  prefixlen: number;
}

const OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number | null {
  const m = OCTETS.exec(text);
  if (!m) return null;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return null;
  return ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseIpv4Cidr(text: string): Ipv4Cidr | null {
  const [ip, len, ...rest] = text.split('/');
  const address = parseIpv4(ip);
  const prefixlen = Number(len);
  if (address === null || rest.length > 0 || !/^\d{1,2}$/.test(len ?? '') || prefixlen > 32) return null;
  return { address, prefixlen };
}

const mask = (len: number): number => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

export function networkOf(c: Ipv4Cidr): number {
  return (c.address & mask(c.prefixlen)) >>> 0;
}

export function formatCidr(network: number, prefixlen: number): string {
  return `${formatIpv4(network)}/${prefixlen}`;
}

/** Is `inner` entirely inside `outer`? */
export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return inner.prefixlen >= outer.prefixlen && (inner.address & mask(outer.prefixlen)) >>> 0 === networkOf(outer);
}

export function ipInCidr(ip: number, c: Ipv4Cidr): boolean {
  return (ip & mask(c.prefixlen)) >>> 0 === networkOf(c);
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  const len = Math.min(a.prefixlen, b.prefixlen);
  return (a.address & mask(len)) >>> 0 === (b.address & mask(len)) >>> 0;
}

/** The i-th block of size /len inside `outer`, or null past its end. */
export function nthBlock(outer: Ipv4Cidr, len: number, i: number): Ipv4Cidr | null {
  if (len < outer.prefixlen || i < 0 || i >= 2 ** (len - outer.prefixlen)) return null;
  return { address: (networkOf(outer) + i * 2 ** (32 - len)) >>> 0, prefixlen: len };
}
