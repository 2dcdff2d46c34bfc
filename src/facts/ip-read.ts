// Every iproute2 read of a gather in ONE `ip` process: `ip -o -force -batch -` runs `route get` for each
// peer a fact asks about, then `link show` and `addr show`. A node's rerun asked `ip` four times (links,
// addresses twice, routes); each process is a fork and exec that 200 lab hosts on 2 cores pay together.
// The `-o` lines of the three kinds do not look alike, so each parser picks its own out of the mix.
import { quote, quoteAll } from '../shell/quote.js';
import type { FactBatch } from './fact.js';
import { Resource } from './resources.js';

/** Ends the output with the peers asked, in order: `Command failed -:N` names the Nth line of the batch. */
export const PEERS_MARK = '@@route-peers';

export const IP_READ: FactBatch = {
  id: 'ip-read',
  reads: [Resource.links],
  // -force: a peer without a route does not stop the lines after it (the routes come first, so a
  // failure's line number is the peer's place in the list).
  command: (peers) =>
    `printf '%s\\n' ${quoteAll([...peers.map((p) => `route get ${p}`), 'link show', 'addr show'])} | ` +
    `ip -o -force -batch - 2>&1; echo ${quote(PEERS_MARK)}${peers.length ? ` ${quoteAll(peers)}` : ''}`,
};

/** The peers the batch asked routes for (the order of its failure line numbers). */
export function batchPeers(out: string): string[] {
  const line = out.split('\n').find((l) => l.startsWith(PEERS_MARK));
  return line ? line.slice(PEERS_MARK.length).trim().split(/\s+/).filter(Boolean) : [];
}

export interface HostAddress {
  link: string;
  address: string;
  prefixlen: number;
}

/** `2: eth0    inet 10.0.0.11/24 brd 10.0.0.255 scope global eth0\ ...` */
export function parseIpAddrs(out: string): HostAddress[] {
  const addrs: HostAddress[] = [];
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)(?:@\S*)?\s+inet6?\s+([0-9A-Fa-f.:]+)\/(\d+)/.exec(line);
    if (m) addrs.push({ link: m[1], address: m[2].toLowerCase(), prefixlen: Number(m[3]) });
  }
  return addrs;
}
