// What `ovnctl report` shows, built by one pure function from what was read: each host's facts and
// every verify check's result. The HTML (render.ts) and --json are two views of this one value.
import type { DebPackage } from '../facts/apt.js';
import type { OvsLayout } from '../facts/net-ovs.js';
import type { SbChassisList } from '../facts/ovn-chassis.js';
import type { DbClusterState } from '../facts/ovn-cluster.js';
import type { ProcessInfo } from '../facts/process.js';
import type { Host, Inventory, Role } from '../inventory/types.js';
import { DBS, localRaftAddress } from '../ovn/central-options.js';
import { unconnectedMembers } from '../ovn/cluster-status.js';
import type { DaemonName } from '../ovn/daemons.js';
import type { Db } from '../ovn/endpoint.js';
import { clustered, masters } from '../ovn/topology.js';
import { tunnelPorts, type TunnelPort } from '../ovn/tunnels.js';
import { ovnkubeRole } from '../operations/ovnkube-flags.js';
import type { TaskStatus } from '../playbook/events.js';

/** What was read from one host (masters add the SB chassis and, with 2+ masters, RAFT status). */
export interface HostFacts {
  packages: Record<string, DebPackage>;
  daemons: Record<string, boolean>;
  /** The ovnkube processes; null when ovnkube is not enabled. */
  ovnkube: ProcessInfo[] | null;
  layout: OvsLayout | null;
  sbChassis?: SbChassisList;
  cluster?: Partial<Record<Db, DbClusterState>>;
  northd?: string | null;
}

/** One verify check's result on one host, as the runner reported it. */
export interface CheckResult {
  host: string;
  play: string;
  task: string;
  status: TaskStatus;
  msg: string;
}

export interface ReportInput {
  inventory: Inventory;
  /** The hosts read (the selection), in inventory order. */
  hosts: readonly Host[];
  /** Host name → facts, or why they could not be read. */
  facts: Record<string, HostFacts | { error: string }>;
  checks: readonly CheckResult[];
  generatedAt: string;
  /** The verify play whose check says whether ovnkube runs once with the inventory's flags. */
  ovnkubePlay: string;
}

export interface ReportCheck {
  play: string;
  task: string;
  status: TaskStatus;
  /** What is wrong (or what was seen, when it passed). */
  what: string;
  /** The command that shows more; '' when the check gave none. */
  lookCloser: string;
}

export type HostHealth = 'healthy' | 'unhealthy' | 'unreachable';

export interface ReportHost {
  name: string;
  address: string;
  encapIp: string;
  roles: Role[];
  health: HostHealth;
  /** Why the host's facts could not be read ('' when they were). */
  error: string;
  versions: { ovs: string; ovn: string };
  /** The daemons its roles run: alive or not. */
  daemons: { name: DaemonName; running: boolean }[];
  ovnkube: {
    role: 'master' | 'node' | 'none';
    enabled: boolean;
    pids: number[];
    flagsMatch: boolean | null;
    msg: string;
  };
  /** The SB chassis of this host (a node), when the SB database was read and holds it. */
  chassis: string | null;
  tunnels: TunnelPort[];
  checks: ReportCheck[];
  failed: ReportCheck[];
}

export interface ReportChassis {
  name: string;
  hostname: string;
  /** The inventory host it is ('' when none is). */
  host: string;
  encaps: { type: string; ip: string }[];
}

/** A pair of chassis and the tunnel port each keeps to the other. */
export interface ReportTunnel {
  a: string;
  b: string;
  /** up: both ends have a working port; down: an end that was read lacks it (or it errs); unknown: no end read. */
  state: 'up' | 'down' | 'unknown';
  type: string;
  ends: { chassis: string; read: boolean; port: string; remoteIp: string; error: string }[];
}

export interface ReportDbMember {
  host: string;
  address: string;
  role: string;
  status: string;
  /** The other members this one has no connection with. */
  lost: string[];
}

export interface ReportDb {
  db: Db;
  mode: 'standalone' | 'clustered';
  cid: string;
  /** The leader's host name; null when no member knows one. */
  leader: string | null;
  members: ReportDbMember[];
}

export interface ReportData {
  generatedAt: string;
  inventory: string;
  encapType: string;
  masters: string[];
  nodes: string[];
  hosts: ReportHost[];
  /** From the SB database; `sbError` says why it is empty when no master answered. */
  chassis: ReportChassis[];
  sbError: string;
  tunnels: ReportTunnel[];
  databases: ReportDb[];
  /** Each master's ovn-northd: `active`/`standby` (2+ masters: what it says), else running or not. */
  northd: { host: string; status: string }[];
  summary: { hosts: number; unhealthy: number; unreachable: number; failedChecks: number; tunnelsDown: number };
}

const LOOK = '; look closer: ';

/** A check's message split into what is wrong and the command to look closer (verify.ts `unhealthy`). */
export function splitCheck(c: CheckResult): ReportCheck {
  const at = c.msg.lastIndexOf(LOOK);
  const what = at < 0 ? c.msg : c.msg.slice(0, at);
  const lookCloser = at < 0 ? '' : c.msg.slice(at + LOOK.length);
  return { play: c.play, task: c.task, status: c.status, what, lookCloser };
}

const isFailure = (s: TaskStatus) => s === 'failed' || s === 'unreachable';
const factsOf = (f: HostFacts | { error: string } | undefined): HostFacts | null => (f && !('error' in f) ? f : null);

function roleDaemons(roles: readonly Role[]): DaemonName[] {
  const out: DaemonName[] = ['ovsdb-server', 'ovs-vswitchd'];
  if (roles.includes('master')) out.push('ovnnb_db', 'ovnsb_db', 'ovn-northd');
  if (roles.includes('node')) out.push('ovn-controller');
  return out;
}

function version(p: Record<string, DebPackage>, names: string[]): string {
  return names.map((n) => p[n]).find((x) => x?.installed)?.version ?? '';
}

function buildHost(input: ReportInput, h: Host, chassisOf: Map<string, string>): ReportHost {
  const raw = input.facts[h.name];
  const f = factsOf(raw);
  const checks = input.checks.filter((c) => c.host === h.name).map(splitCheck);
  const failed = checks.filter((c) => isFailure(c.status));
  const unreachable = !f || checks.some((c) => c.status === 'unreachable');
  const kube = checks.find((c) => c.play === input.ovnkubePlay);
  const pids = (f?.ovnkube ?? []).map((p) => p.pid);
  const role = ovnkubeRole(h, input.inventory);
  return {
    name: h.name,
    address: h.address,
    encapIp: h.encapIp,
    roles: [...h.roles],
    health: unreachable ? 'unreachable' : failed.length > 0 ? 'unhealthy' : 'healthy',
    error: raw && 'error' in raw ? raw.error : '',
    versions: {
      ovs: f ? version(f.packages, ['openvswitch-switch', 'openvswitch-common']) : '',
      ovn: f ? version(f.packages, ['ovn-host', 'ovn-central', 'ovn-common']) : '',
    },
    daemons: roleDaemons(h.roles).map((name) => ({ name, running: f?.daemons[name] === true })),
    ovnkube: {
      role,
      enabled: input.inventory.ovnkube.enabled,
      pids,
      // Flags are compared only when exactly one ovnkube runs (verify_ovnkube says why else it failed).
      flagsMatch: !kube || kube.status === 'skipped' || pids.length !== 1 ? null : kube.status === 'ok',
      msg: kube ? kube.what : '',
    },
    chassis: chassisOf.get(h.name) ?? null,
    tunnels: tunnelPorts(f?.layout ?? null),
    checks,
    failed,
  };
}

/** The SB chassis as the first master that answered holds them. */
function sbView(input: ReportInput): { list: SbChassisList | null; error: string } {
  const errors: string[] = [];
  for (const m of masters(input.inventory)) {
    const s = factsOf(input.facts[m.name])?.sbChassis;
    if (s?.reachable) return { list: s, error: '' };
    if (s) errors.push(`${m.name}: ${s.error}`);
  }
  return { list: null, error: errors.join('; ') || 'no master was read (left out by --limit, or unreachable)' };
}

/** Every pair of chassis that share an encap type, with each end's tunnel port to the other. */
function buildTunnels(chassis: ReportChassis[], hosts: ReportHost[]): ReportTunnel[] {
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const out: ReportTunnel[] = [];
  for (let i = 0; i < chassis.length; i++) {
    for (let j = i + 1; j < chassis.length; j++) {
      const [a, b] = [chassis[i], chassis[j]];
      const type = a.encaps.map((e) => e.type).find((t) => b.encaps.some((e) => e.type === t));
      if (!type) continue;
      const end = (self: ReportChassis, other: ReportChassis) => {
        const h = byName.get(self.host);
        const read = h !== undefined && h.health !== 'unreachable';
        const p = h?.tunnels.find((t) => t.chassis === other.name);
        return { chassis: self.name, read, port: p?.port ?? '', remoteIp: p?.remoteIp ?? '', error: p?.error ?? '' };
      };
      const ends = [end(a, b), end(b, a)];
      const known = ends.filter((e) => e.read);
      const state =
        known.length === 0 ? 'unknown' : known.every((e) => e.port !== '' && e.error === '') ? 'up' : 'down';
      out.push({ a: a.name, b: b.name, state, type, ends });
    }
  }
  return out;
}

function nameOfRaftAddress(inv: Inventory, db: Db, address: string): string {
  return masters(inv).find((m) => localRaftAddress(inv, m, db) === address)?.name ?? address;
}

function buildDb(input: ReportInput, db: Db): ReportDb {
  const inv = input.inventory;
  if (!clustered(inv)) {
    const m = masters(inv)[0];
    const f = factsOf(input.facts[m.name]);
    const up = f?.daemons[db === 'nb' ? 'ovnnb_db' : 'ovnsb_db'] === true;
    const role = up ? 'standalone' : f ? 'not running' : 'not read';
    return {
      db,
      mode: 'standalone',
      cid: '',
      leader: up ? m.name : null,
      members: [{ host: m.name, address: '', role, status: '', lost: [] }],
    };
  }
  let leader: string | null = null;
  let cid = '';
  const members = masters(inv).map((m): ReportDbMember => {
    const f = factsOf(input.facts[m.name]);
    const s = f?.cluster?.[db]?.status ?? null;
    const address = localRaftAddress(inv, m, db);
    if (!s) return { host: m.name, address, role: f ? 'not running' : 'not read', status: '', lost: [] };
    cid ||= s.cid;
    if (s.role === 'leader') leader = m.name;
    const known = s.servers.find((x) => x.sid === s.leader);
    if (!leader && known) leader = nameOfRaftAddress(inv, db, known.address);
    const lost = unconnectedMembers(s).map((x) => nameOfRaftAddress(inv, db, x.address));
    return { host: m.name, address: s.address || address, role: s.role, status: s.status, lost };
  });
  return { db, mode: 'clustered', cid, leader, members };
}

function northd(f: HostFacts | null): string {
  if (!f) return 'not read';
  if (f.northd) return f.northd;
  return f.daemons['ovn-northd'] ? 'running' : 'not running';
}

export function buildReportData(input: ReportInput): ReportData {
  const sb = sbView(input);
  const names = new Set(input.hosts.map((h) => h.name));
  const chassis: ReportChassis[] = (sb.list?.chassis ?? []).map((c) => ({
    name: c.name,
    hostname: c.hostname,
    host: names.has(c.name) ? c.name : names.has(c.hostname) ? c.hostname : '',
    encaps: c.encaps,
  }));
  const chassisOf = new Map(chassis.filter((c) => c.host !== '').map((c) => [c.host, c.name]));
  const hosts = input.hosts.map((h) => buildHost(input, h, chassisOf));
  const tunnels = buildTunnels(chassis, hosts);
  const failedChecks = hosts.reduce((n, h) => n + h.failed.length, 0);
  return {
    generatedAt: input.generatedAt,
    inventory: input.inventory.file,
    encapType: input.inventory.cluster.encapType,
    masters: input.hosts.filter((h) => h.roles.includes('master')).map((h) => h.name),
    nodes: input.hosts.filter((h) => !h.roles.includes('master')).map((h) => h.name),
    hosts,
    chassis,
    sbError: sb.error,
    tunnels,
    databases: DBS.map((db) => buildDb(input, db)),
    northd: masters(input.inventory).map((m) => ({ host: m.name, status: northd(factsOf(input.facts[m.name])) })),
    summary: {
      hosts: hosts.length,
      unhealthy: hosts.filter((h) => h.health === 'unhealthy').length,
      unreachable: hosts.filter((h) => h.health === 'unreachable').length,
      failedChecks,
      tunnelsDown: tunnels.filter((t) => t.state === 'down').length,
    },
  };
}
