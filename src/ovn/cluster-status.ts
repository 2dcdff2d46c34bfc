// What `ovs-appctl -t <db>.ctl cluster/status <Schema>` prints about a clustered OVSDB server, read back:
// which cluster (id), which server (id, RAFT address), its role, the leader it knows, the members and
// which of them it hears from. Short ids are the first 4 hex digits of the full UUIDs.

export interface RaftServer {
  /** Short server id (`bbb3`). */
  sid: string;
  /** RAFT address (`tcp:10.0.0.1:6643`). */
  address: string;
  self: boolean;
}

export interface ClusterStatus {
  /** Full cluster id (UUID); empty while the server is still joining. */
  cid: string;
  /** Full server id of this member. */
  sid: string;
  /** This member's RAFT address. */
  address: string;
  /** `cluster member`, `joining cluster`, `leaving cluster`, `left cluster`, `disconnected from the cluster ...`. */
  status: string;
  role: 'leader' | 'follower' | 'candidate' | string;
  term: number;
  /** The leader's short id, `self`, or null when this member knows no leader (no quorum, election). */
  leader: string | null;
  electionTimerMs: number;
  servers: RaftServer[];
  /**
   * Short ids of the members this one has a connection with, either way (`<-977d`, `->977d`; `->0000` is
   * one not yet identified, and a parenthesised one is not up).
   */
  connected: string[];
}

/** The text of cluster/status, or null when it is not one (a standalone database, an error). */
export function parseClusterStatus(out: string): ClusterStatus | null {
  const field = (name: string): string | undefined => new RegExp(`^${name}: (.*)$`, 'm').exec(out)?.[1]?.trim();
  const full = (name: string): string | undefined => /\(([0-9a-f-]{36})\)/.exec(field(name) ?? '')?.[1];
  // A server still joining has a server id but no cluster id yet ("Cluster ID: not yet known").
  const cid = full('Cluster ID') ?? '';
  const sid = full('Server ID');
  if (!sid) return null;
  const leader = field('Leader');
  const servers: RaftServer[] = [];
  const list = out.split(/^Servers:\s*$/m)[1] ?? '';
  for (const line of list.split('\n')) {
    const m = /^\s+([0-9a-f]{4}) \([0-9a-f]{4} at (\S+)\)( \(self\))?/.exec(line);
    if (m) servers.push({ sid: m[1], address: m[2], self: Boolean(m[3]) });
  }
  const connected = [...(field('Connections') ?? '').matchAll(/(?:^|\s)(?:<-|->)([0-9a-f]{4})\b/g)]
    .map((m) => m[1])
    .filter((sid) => sid !== '0000');
  return {
    cid,
    sid,
    address: field('Address') ?? '',
    status: field('Status') ?? '',
    role: field('Role') ?? '',
    term: Number(field('Term') ?? 0),
    leader: !leader || leader === 'unknown' ? null : leader,
    electionTimerMs: Number(field('Election timer') ?? 0),
    servers,
    connected: [...new Set(connected)],
  };
}

/** The other members this one has no connection with. */
export function unconnectedMembers(s: ClusterStatus): RaftServer[] {
  return s.servers.filter((m) => !m.self && !s.connected.includes(m.sid));
}

/** Whether this member is in a cluster with a known leader: a cluster that has quorum. */
export function hasLeader(s: ClusterStatus): boolean {
  return s.status === 'cluster member' && s.leader !== null;
}

/** One member's answer about a clustered database, from its _Server database. */
export interface ServerDatabase {
  cid: string;
  sid: string;
  leader: boolean;
  connected: boolean;
}

/** The `ovsdb-client query` result of serverDatabaseQuery(); null when it is not one (no answer). */
export function parseServerDatabase(out: string): ServerDatabase | null {
  try {
    const [result] = JSON.parse(out.trim()) as [{ rows?: Record<string, unknown>[] }];
    const row = result?.rows?.[0];
    if (!row) return null;
    const uuid = (v: unknown) => (Array.isArray(v) && v[0] === 'uuid' ? String(v[1]) : '');
    return { cid: uuid(row.cid), sid: uuid(row.sid), leader: row.leader === true, connected: row.connected === true };
  } catch {
    return null;
  }
}
