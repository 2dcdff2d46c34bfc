// Preflight on a master: the TCP ports the OVN databases will listen on are free, or already held by the
// server that should hold them (a rerun). The ports come from src/ovn/ (the client listeners of NB and SB,
// the SB's northd listener with TLS and 2+ masters, and the RAFT ports with 2+ masters); a port held by
// another process is named with that process, and the inventory key that moves ovnctl elsewhere.
import * as z from 'zod';
import { tcpListeners, type Listeners, type TcpListener } from '../../facts/preflight-host.js';
import type { Host, Inventory } from '../../inventory/types.js';
import { DB_FILES, DBS } from '../../ovn/central-options.js';
import { DAEMONS } from '../../ovn/daemons.js';
import type { Db } from '../../ovn/endpoint.js';
import { clustered, describeListener, listeners, raftPort } from '../../ovn/topology.js';
import { defineModule } from '../module.js';
import { fail, pass, verdictPlan, type Verdict } from './verdict.js';

export interface WantedPort {
  port: number;
  /** What listens there, for messages: `NB TCP 6641`, `SB RAFT`. */
  what: string;
  /** The database whose server should hold it. */
  db: Db;
  /** The inventory key that sets it. */
  setting: string;
  /** A RAFT server binds its own address only; a client listener (ptcp:PORT) binds every address. */
  bindAddress?: string;
}

/** The ports `host` will listen on: none unless it is a master. */
export function wantedPorts(inv: Inventory, host: Host): WantedPort[] {
  if (!host.roles.includes('master')) return [];
  const out: WantedPort[] = [];
  for (const db of DBS) {
    for (const l of listeners(inv, db)) {
      const northd = db === 'sb' && l.port === inv.cluster.sbNorthdPort && l.port !== inv.cluster.sbPort;
      const setting = northd ? 'cluster.sbNorthdPort' : `cluster.${db}Port`;
      out.push({ port: l.port, what: `${db.toUpperCase()} ${describeListener(l)}`, db, setting });
    }
  }
  if (clustered(inv)) {
    for (const db of DBS) {
      const setting = `cluster.${db}RaftPort`;
      out.push({ port: raftPort(inv, db), what: `${db.toUpperCase()} RAFT`, db, setting, bindAddress: host.address });
    }
  }
  return out;
}

const WILDCARDS = ['0.0.0.0', '*', '[::]', '::'];

/** Would `want` fail to bind because of `s`? Two listeners on a port clash unless both bind distinct addresses. */
function clashes(s: TcpListener, want: WantedPort): boolean {
  if (s.port !== want.port) return false;
  if (!want.bindAddress || WILDCARDS.includes(s.address)) return true;
  return s.address.replace(/^\[|\]$/g, '').toLowerCase() === want.bindAddress.toLowerCase();
}

export function portsVerdicts(host: string, l: Listeners, wanted: readonly WantedPort[]): Verdict[] {
  if (wanted.length === 0) return [pass('no OVN listeners on this host')];
  if (l.sockets === null) return [pass('ports not checked: no ss on the host (iproute2)')];
  const out: Verdict[] = [];
  const held: string[] = [];
  for (const w of wanted) {
    const own = l.serverPids[w.db];
    const others = l.sockets.filter((s) => clashes(s, w) && !s.processes.some((p) => p.pid === own));
    if (others.length === 0) {
      if (l.sockets.some((s) => clashes(s, w))) held.push(`${w.port} (${DB_FILES[w.db].daemon})`);
      continue;
    }
    const procs = others.flatMap((s) => s.processes);
    const who = procs.length
      ? procs.map((p) => `${p.name} (pid ${p.pid})`).join(', ')
      : 'a process ss could not name (not run as root?)';
    const server = DB_FILES[w.db].daemon;
    const notOurs = procs.some((p) => p.name === 'ovsdb-server')
      ? `; an ovsdb-server that is not this host's ${server} (${DAEMONS[server].pidfiles[0]}), ` +
        'e.g. another OVN in a container'
      : '';
    const stop = procs.length
      ? `stop ${[...new Set(procs.map((p) => `pid ${p.pid}`))].join(', ')} (or its service)`
      : 'stop it';
    out.push(
      fail(
        `port ${w.port} (${w.what}) on ${host} is held by ${who}${notOurs}`,
        `${stop}, or set ${w.setting} to a free port in the inventory`,
      ),
    );
  }
  if (out.length > 0) return out;
  const free = wanted.map((w) => w.port).filter((p) => !held.some((h) => h.startsWith(`${p} `)));
  return [
    pass(
      [free.length ? `free: ${free.join(', ')}` : '', held.length ? `held by ovnctl's servers: ${held.join(', ')}` : '']
        .filter(Boolean)
        .join('; '),
    ),
  ];
}

export const preflightPorts = defineModule({
  name: 'preflight_ports',
  args: z.object({}).strict(),
  facts: (_a, { host, inventory: inv }) => (wantedPorts(inv, host).length ? [tcpListeners] : []),
  plan(_a, facts, { host, inventory: inv }) {
    const wanted = wantedPorts(inv, host);
    if (wanted.length === 0) return { commands: [], skip: 'not a master: no OVN listeners' };
    return verdictPlan(portsVerdicts(host.name, facts(tcpListeners), wanted));
  },
});
