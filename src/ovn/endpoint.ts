// An OVSDB endpoint as a value, and the three ways OVN spells one: the OVSDB remote a client connects
// to (tcp:10.0.0.10:6642), the URL ovnkube takes (tcp://10.0.0.10:6642) and the passive target a
// server listens on (ptcp:6642). TLS (ssl/pssl) is a scheme here, not a new code path.

export type Db = 'nb' | 'sb';
export type Scheme = 'tcp' | 'ssl';

export interface Endpoint {
  scheme: Scheme;
  address: string;
  port: number;
}

/** `[v6]:port` or `v4:port`: OVSDB and URLs both bracket IPv6 addresses. */
function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The OVSDB remote syntax of ovn-remote, ovn-nb and `--db=`: `tcp:10.0.0.10:6642`. */
export function remote(e: Endpoint): string {
  return `${e.scheme}:${hostPort(e.address, e.port)}`;
}

/** ovnkube's -nb-address/-sb-address syntax: `tcp://10.0.0.10:6641`. */
export function url(e: Endpoint): string {
  return `${e.scheme}://${hostPort(e.address, e.port)}`;
}

/** The passive target a database listens on, all addresses: `ptcp:6641` (or `pssl:6641`). */
export function passive(scheme: Scheme, port: number): string {
  return `p${scheme}:${port}`;
}

/** Whether a Connection-table target listens on `port` with `scheme` (`ptcp:6641`, `ptcp:6641:0.0.0.0`). */
export function listensOn(target: string, scheme: Scheme, port: number): boolean {
  return target === passive(scheme, port) || target.startsWith(`${passive(scheme, port)}:`);
}

/** The OVSDB remote syntax, for argument checks: one or more `tcp:`/`ssl:` remotes, comma-separated. */
export const REMOTE_LIST_RE = /^(tcp|ssl):[^\s,]+(,(tcp|ssl):[^\s,]+)*$/;
