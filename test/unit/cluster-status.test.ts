// What OVN 23.03 prints about a RAFT cluster, read back: outputs captured from the lab's Debian bookworm
// masters (test/fixtures/ovn/), and the facts built on them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDbClusterState } from '../../src/facts/ovn-cluster.js';
import {
  hasLeader,
  parseClusterStatus,
  parseServerDatabase,
  unconnectedMembers,
} from '../../src/ovn/cluster-status.js';

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/ovn', name), 'utf8');

describe('cluster/status', () => {
  it('reads a leader: ids, role, term, timer, every member and who it is connected to', () => {
    const s = parseClusterStatus(fixture('cluster-status-nb-leader.txt'))!;
    expect(s).toMatchObject({
      cid: 'f81b23ef-e80b-4c06-90d1-954d7090b643',
      sid: 'bbb38122-15a1-42ca-a907-7f1da60247f6',
      address: 'tcp:10.213.34.10:6643',
      status: 'cluster member',
      role: 'leader',
      term: 2,
      leader: 'self',
      electionTimerMs: 1000,
    });
    expect(s.servers).toEqual([
      { sid: '977d', address: 'tcp:10.213.34.12:6643', self: false },
      { sid: 'bbb3', address: 'tcp:10.213.34.10:6643', self: true },
      { sid: 'a5f4', address: 'tcp:10.213.34.11:6643', self: false },
    ]);
    expect(s.connected.sort()).toEqual(['977d', 'a5f4']);
    expect(unconnectedMembers(s)).toEqual([]);
    expect(hasLeader(s)).toBe(true);
  });

  it('reads a follower: the leader by short id; ->0000 (not yet identified) is not a connection', () => {
    const s = parseClusterStatus(fixture('cluster-status-sb-follower.txt'))!;
    expect(s).toMatchObject({ role: 'follower', leader: '40c8', status: 'cluster member' });
    expect(s.connected.sort()).toEqual(['288d', '40c8']);
    expect(unconnectedMembers(s)).toEqual([]);
    const nb = parseClusterStatus(fixture('cluster-status-nb-follower.txt'))!;
    expect(nb.connected.sort()).toEqual(['3fb9', '8b6e']);
  });

  it('reads a member that lost quorum: no leader, no live connection', () => {
    const s = parseClusterStatus(fixture('cluster-status-nb-no-quorum.txt'))!;
    expect(s).toMatchObject({
      role: 'candidate',
      leader: null,
      status: 'disconnected from the cluster (election timeout)',
    });
    expect(s.connected).toEqual([]);
    expect(unconnectedMembers(s).map((m) => m.address)).toEqual(['tcp:10.213.34.10:6643', 'tcp:10.213.34.12:6643']);
    expect(hasLeader(s)).toBe(false);
  });

  it('reads a server still joining: no cluster id yet, no members, no leader', () => {
    const s = parseClusterStatus(fixture('cluster-status-nb-joining.txt'))!;
    expect(s).toMatchObject({ cid: '', status: 'joining cluster', leader: null, servers: [], connected: [] });
    expect(hasLeader(s)).toBe(false);
  });

  it('is null for what is not a cluster status (a standalone database, no server)', () => {
    expect(parseClusterStatus('unknown cluster\novs-appctl: /var/run/ovn/ovnnb_db.ctl: server returned an error')).toBe(
      null,
    );
    expect(parseClusterStatus('')).toBe(null);
  });
});

describe('_Server.Database over a client port', () => {
  it('reads cid, sid, leader and connected', () => {
    const out =
      '[{"rows":[{"cid":["uuid","21c5e877-f5f6-48a7-b8ea-8bc71b5765dc"],"connected":true,"leader":false,' +
      '"sid":["uuid","3fb97234-5ae4-4b76-a552-90fd4e16f632"]}]}]';
    expect(parseServerDatabase(out)).toEqual({
      cid: '21c5e877-f5f6-48a7-b8ea-8bc71b5765dc',
      sid: '3fb97234-5ae4-4b76-a552-90fd4e16f632',
      leader: false,
      connected: true,
    });
    expect(parseServerDatabase('')).toBe(null);
    expect(parseServerDatabase('[{"rows":[]}]')).toBe(null);
  });
});

describe('the ovn.cluster fact', () => {
  it('a running member: clustered file, and the status with its cluster id', () => {
    const out = 'exists=1\nclustered=1\n--- cluster/status\n' + fixture('cluster-status-nb-leader.txt');
    const st = parseDbClusterState(out);
    expect(st).toMatchObject({ exists: true, clustered: true });
    expect(st.status?.role).toBe('leader');
    expect(st.status?.cid).toMatch(/^[0-9a-f]{8}-/);
  });

  it('a standalone file with data rows, its server answering no cluster/status', () => {
    const st = parseDbClusterState('exists=1\nclustered=0\nrows=3\n--- cluster/status\n');
    expect(st).toEqual({ exists: true, clustered: false, dataRows: 3, status: null });
  });

  it('no file', () => {
    expect(parseDbClusterState('exists=0\n--- cluster/status\n')).toEqual({
      exists: false,
      clustered: false,
      dataRows: 0,
      status: null,
    });
  });
});
