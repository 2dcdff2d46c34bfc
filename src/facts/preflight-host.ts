// What the host half of preflight reads (src/operations/preflight/): the openvswitch kernel module, the
// TCP listeners with their processes, the host's addresses and its routes toward the other hosts' tunnel
// addresses, its clock, free space, and what its OVN database files are. Each is one or two processes at
// most, read in the run's one gather, so an install's no-op rerun stays one round trip per host.
import { CLUSTERED_FILE_MAGIC, DB_FILES, DBS } from '../ovn/central-options.js';
import { DAEMONS } from '../ovn/daemons.js';
import type { Db } from '../ovn/endpoint.js';
import { quote, quoteAll } from '../shell/quote.js';
import { defineBatchFact, defineFact } from './fact.js';
import { batchPeers, IP_READ, parseIpAddrs, type HostAddress } from './ip-read.js';
import { Resource } from './resources.js';

// --- the openvswitch kernel module (ovs.datapathType: system) ---

export interface KernelModule {
  /** The running kernel's release (uname -r). */
  kernel: string;
  /** Loaded (or built in with parameters): /sys/module/openvswitch exists. */
  loaded: boolean;
  /** Where modinfo (or modules.dep/modules.builtin without kmod) finds it: a path or `(builtin)`; '' = nowhere. */
  file: string;
  /** modinfo is installed (kmod); without it modules.dep and modules.builtin were searched. */
  modinfo: boolean;
  /** /lib/modules/<kernel> exists: the kernel's modules are on this filesystem at all. */
  modulesDir: boolean;
}

/** Whether the kernel has the openvswitch module: loaded, or installed for the running kernel. */
export const ovsKernelModule = defineFact(
  'preflight.kmod:openvswitch',
  // `read` and `[` are builtins: a host with the module loaded spends no process here.
  'read -r r < /proc/sys/kernel/osrelease; echo "kernel=$r"; ' +
    'if [ -d /sys/module/openvswitch ]; then echo loaded=1; ' +
    'elif command -v modinfo >/dev/null 2>&1; then echo modinfo=1; modinfo openvswitch; ' +
    'else grep -hom1 -E \'(^|/)openvswitch\\.ko[^:]*\' "/lib/modules/$r/modules.dep" ' +
    '"/lib/modules/$r/modules.builtin" | sed "s/^/filename: /"; fi; [ -d "/lib/modules/$r" ] && echo moddir=1; true',
  parseKernelModule,
  { reads: [Resource.files], inline: true },
);

export function parseKernelModule(out: string): KernelModule {
  const line = (re: RegExp) => out.split('\n').find((l) => re.test(l)) ?? '';
  return {
    kernel: line(/^kernel=/)
      .slice('kernel='.length)
      .trim(),
    loaded: line(/^loaded=1/) !== '',
    file: line(/^filename:/)
      .replace(/^filename:\s*/, '')
      .trim(),
    modinfo: line(/^modinfo=1/) !== '',
    modulesDir: line(/^moddir=1/) !== '',
  };
}

// --- TCP listeners (ports ovnctl will listen on) ---

export interface TcpListener {
  /** The local address as ss prints it: `0.0.0.0`, `*`, `[::]`, `10.0.0.2`, `[::ffff:10.0.0.2]`. */
  address: string;
  port: number;
  /** The processes holding the socket (ss -p): empty when ss could not tell (not root). */
  processes: { name: string; pid: number }[];
}

export interface Listeners {
  /** null: no `ss` on the host (iproute2 missing), so nothing is known. */
  sockets: TcpListener[] | null;
  /** The pid in each OVN database server's pidfile (ovnnb_db, ovnsb_db), when it is alive. */
  serverPids: Record<Db, number | null>;
}

const LISTEN_SEP = '--- pidfiles';

/** What an OVN database server pidfile holds, when that pid is alive: builtins only. */
function alivePid(db: Db): string {
  const files = quoteAll(DAEMONS[DB_FILES[db].daemon].pidfiles);
  return (
    `p=; for f in ${files}; do q=; if [ -f "$f" ]; then read -r q < "$f"; fi; ` +
    `if [ -n "$q" ] && kill -0 "$q" 2>/dev/null; then p=$q; fi; done; echo ${db}=$p`
  );
}

/** Every TCP listener with its process (one `ss`), and which pids are this host's OVN database servers. */
export const tcpListeners = defineFact(
  'preflight.tcp-listeners',
  `if command -v ss >/dev/null 2>&1; then ss -Hltnp; else echo no-ss; fi; echo ${quote(LISTEN_SEP)}; ` +
    DBS.map(alivePid).join('; '),
  parseListeners,
  { reads: [Resource.listeners, Resource.processes, Resource.files], inline: true },
);

export function parseListeners(out: string): Listeners {
  const [head, tail = ''] = out.split(LISTEN_SEP);
  const serverPids: Record<Db, number | null> = { nb: null, sb: null };
  for (const m of tail.matchAll(/^(nb|sb)=(\d*)$/gm)) serverPids[m[1] as Db] = m[2] ? Number(m[2]) : null;
  if (/^no-ss$/m.test(head)) return { sockets: null, serverPids };
  return {
    sockets: head
      .split('\n')
      .map(parseSsLine)
      .filter((l) => l !== null),
    serverPids,
  };
}

/** `LISTEN 0 10 0.0.0.0:6641 0.0.0.0:* users:(("ovsdb-server",pid=570,fd=23))` */
export function parseSsLine(line: string): TcpListener | null {
  const f = line.trim().split(/\s+/);
  if (f.length < 5 || f[0] !== 'LISTEN') return null;
  const local = f[3];
  const colon = local.lastIndexOf(':');
  const port = Number(local.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port)) return null;
  const processes = [
    ...f
      .slice(5)
      .join(' ')
      .matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+)/g),
  ].map((m) => ({
    name: m[1],
    pid: Number(m[2]),
  }));
  // An address scoped to an interface prints as `0.0.0.0%eth0`: the interface is not part of the address.
  return { address: local.slice(0, colon).replace(/%[^\]]*/, ''), port, processes };
}

// --- addresses and routes toward the other hosts' tunnel addresses ---

export interface RouteTo {
  /** The route as `ip route get` prints it (one line), or null when there is none. */
  route: string | null;
  /** `ip`'s own words when there is no route (`Network is unreachable`). */
  error: string;
  /** `local`: the address is this host's own. */
  type: string;
  via: string;
  dev: string;
}

export interface TunnelNet {
  addresses: HostAddress[];
  /** Per peer address asked about, this host's route toward it. */
  routes: Record<string, RouteTo>;
}

/**
 * This host's addresses and its route toward each of `peers`, read in the gather's one `ip -batch`
 * (facts/ip-read.ts; -force, so one missing route does not hide the next).
 */
export function tunnelNet(peers: readonly string[]) {
  return defineBatchFact(`preflight.tunnel-net:${peers.join(',')}`, IP_READ, peers, (out) =>
    parseTunnelNet(out, peers),
  );
}

/**
 * The addresses, and the routes toward `peers`: a failure's line number counts the peers the batch asked
 * (which may be more than these), and a peer it did not ask has no answer.
 */
export function parseTunnelNet(out: string, peers: readonly string[]): TunnelNet {
  const routes = parseRouteBatch(out, [...new Set([...batchPeers(out), ...peers])]);
  return { addresses: parseIpAddrs(out), routes: Object.fromEntries(peers.map((p) => [p, routes[p]])) };
}

const ROUTE_TYPES = ['local', 'broadcast', 'unicast', 'multicast', 'unreachable', 'prohibit', 'blackhole', 'throw'];

/**
 * `ip -o -force -batch -` output for one `route get` per peer, in order: a route prints one line
 * (`10.0.0.12 dev eth0 src 10.0.0.11 uid 0 \    cache`, `local 10.0.0.11 dev lo ...`); a failure prints
 * `RTNETLINK answers: <why>` then `Command failed -:<line>`.
 */
export function parseRouteBatch(out: string, peers: readonly string[]): Record<string, RouteTo> {
  const result: Record<string, RouteTo> = {};
  const none = (error: string): RouteTo => ({ route: null, error, type: '', via: '', dev: '' });
  for (const p of peers) result[p] = none('no answer from ip route get');
  let why = '';
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const answer = /^RTNETLINK answers:\s*(.*)$/.exec(line) ?? /^Error:\s*(.*)$/.exec(line);
    if (answer) {
      why = answer[1];
      continue;
    }
    const failed = /^Command failed -:(\d+)$/.exec(line);
    if (failed) {
      const peer = peers[Number(failed[1]) - 1];
      if (peer !== undefined) result[peer] = none(why || 'no route');
      why = '';
      continue;
    }
    const words = line.split(/\s+/);
    const type = ROUTE_TYPES.includes(words[0]) ? words[0] : '';
    const dst = (type ? words[1] : words[0]).toLowerCase();
    const peer = peers.find((p) => p.toLowerCase() === dst);
    if (peer === undefined) continue;
    const after = (w: string) => {
      const i = words.indexOf(w);
      return i >= 0 ? (words[i + 1] ?? '') : '';
    };
    const route = line.replace(/\s*\\.*$/, '');
    result[peer] = { route, error: '', type: type || 'unicast', via: after('via'), dev: after('dev') };
  }
  return result;
}

// --- the clock ---

export interface HostClock {
  /** The host's clock, ms since the epoch; NaN when `date` printed no number. */
  hostMs: number;
  /** The controller's clock when the gather was sent, and when its output arrived. */
  sentMs: number;
  receivedMs: number;
}

/**
 * The host's time as `date` prints it, with the controller's time when the gather left (the moment this
 * fact is made: facts are made just before the exec that reads them) and when its output arrived (the
 * moment it is parsed), so the verdict can allow for the round trip. The key is fixed: the cached value
 * is the first reading's.
 */
export function hostClock(now: () => number = Date.now) {
  const sentMs = now();
  return defineFact('preflight.clock', 'date +%s%N', (out) => parseHostClock(out, sentMs, now()), {
    reads: [],
    inline: true,
  });
}

/** `date +%s%N`: nanoseconds (19 digits); seconds alone where %N is not supported. */
export function parseHostClock(out: string, sentMs: number, receivedMs: number): HostClock {
  const t = out.trim();
  let hostMs = Number.NaN;
  if (/^\d{16,}$/.test(t)) hostMs = Number(t.slice(0, -6));
  else if (/^\d+N?$/.test(t) || /^\d+%N$/.test(t)) hostMs = Number(/^\d+/.exec(t)![0]) * 1000;
  return { hostMs, sentMs, receivedMs };
}

// --- free space ---

export interface DiskSpace {
  /** The directory asked about. */
  path: string;
  /** The filesystem's mount point (df's last column): directories on one filesystem share its space. */
  mount: string;
  availableKb: number;
}

/** `df -Pk` for `paths` in one process; a path df cannot read is left out. */
export function diskSpace(paths: readonly string[]) {
  return defineFact(`preflight.df:${paths.join(',')}`, `df -Pk ${quoteAll(paths)}`, (out) => parseDf(out, paths), {
    reads: [Resource.files],
    inline: true,
  });
}

/** `Filesystem 1024-blocks Used Available Capacity Mounted on` then one line per path, in order. */
export function parseDf(out: string, paths: readonly string[]): DiskSpace[] {
  const rows = out
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 6 && /^\d+$/.test(f[3]));
  // df skips a path it cannot stat (and says so on stderr), so rows pair with paths only when all are there.
  if (rows.length !== paths.length) return [];
  return rows.map((f, i) => ({ path: paths[i], mount: f.slice(5).join(' '), availableKb: Number(f[3]) }));
}

// --- the OVN database files of a master ---

export interface DbFile {
  exists: boolean;
  /** The file's first line says OVSDB CLUSTER (a RAFT member) rather than OVSDB JSON (standalone). */
  clustered: boolean;
  /** Its server (pidfile) is alive. */
  running: boolean;
  /** Read with ovsdb-tool for a clustered file whose server is down (else ''/[]): what it would start as. */
  cid: string;
  localAddress: string;
  /** The servers of its last known configuration (show-log); for a file never joined, the remotes it would ask. */
  members: string[];
}

const DB_MARK = (db: Db) => `--- ${db}`;

/**
 * Each database file: there? clustered (the first line, read with `read`: no process)? its server alive?
 * Only a clustered file whose server is down is read further with ovsdb-tool, since ovn-ctl would start it
 * as the member it records: a rerun with running servers spends no process here.
 */
export const ovnDbFiles = defineFact(
  'preflight.ovn-db-files',
  DBS.map((db) => {
    const f = quote(DB_FILES[db].file);
    return (
      `echo ${quote(DB_MARK(db))}; ${alivePid(db)}; if [ -f ${f} ]; then echo exists=1; m=; read -r m < ${f}; ` +
      `case "$m" in "${CLUSTERED_FILE_MAGIC}"*) echo clustered=1; if [ -z "$p" ]; then ` +
      `echo "cid=$(ovsdb-tool db-cid ${f} 2>/dev/null)"; ` +
      `echo "local=$(ovsdb-tool db-local-address ${f} 2>/dev/null)"; ` +
      `ovsdb-tool show-log ${f} 2>/dev/null | grep -E '^ *(prev_servers|servers|remote_addresses):' | ` +
      `sed 's/^ */log: /'; fi;; esac; fi`
    );
  }).join('; '),
  parseDbFiles,
  { reads: [Resource.files, Resource.processes], inline: true },
);

export function parseDbFiles(out: string): Record<Db, DbFile> {
  const result = {} as Record<Db, DbFile>;
  for (const db of DBS) {
    const start = out.indexOf(DB_MARK(db));
    const rest = start < 0 ? '' : out.slice(start + DB_MARK(db).length);
    const next = DBS.map((d) => rest.indexOf(DB_MARK(d))).filter((i) => i >= 0);
    const part = next.length ? rest.slice(0, Math.min(...next)) : rest;
    const kv = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(part)?.[1].trim() ?? '';
    result[db] = {
      exists: kv('exists') === '1',
      clustered: kv('clustered') === '1',
      running: kv(db) !== '',
      cid: kv('cid'),
      localAddress: kv('local').replace(/^"|"$/g, ''),
      members: lastMembers(part),
    };
  }
  return result;
}

/**
 * The members of the file's last configuration: the last `servers:` record of `show-log`
 * (`servers: 355f("tcp:10.0.0.3:6643"), cec0("tcp:10.0.0.2:6643")`), else its snapshot's `prev_servers:`,
 * else, for a file never joined, the remotes it would ask (`remote_addresses: tcp:10.0.0.2:6643 ...`).
 */
function lastMembers(part: string): string[] {
  let servers: string[] | null = null;
  let prev: string[] | null = null;
  let remotes: string[] = [];
  for (const l of part.split('\n')) {
    const m = /^log: (prev_servers|servers|remote_addresses):\s*(.*)$/.exec(l.trim());
    if (!m) continue;
    if (m[1] === 'remote_addresses') remotes = m[2].split(/\s+/).filter(Boolean);
    else {
      const list = [...m[2].matchAll(/[0-9a-f]{4}\("([^"]*)"\)/g)].map((x) => x[1]);
      if (m[1] === 'servers') servers = list;
      else prev = list;
    }
  }
  return servers ?? prev ?? remotes;
}
