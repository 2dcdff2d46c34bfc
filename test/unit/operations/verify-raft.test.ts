// verify with 2+ masters: args + facts in, ok or a one-line failure out; and ovnkube on one master only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ovnkubeArgs, ovnkubeRole } from '../../../src/operations/ovnkube-flags.js';
import { ovnkube } from '../../../src/operations/ovnkube.js';
import { verifyOvnkube } from '../../../src/operations/verify.js';
import { verifyRaft, verifyRaftCluster } from '../../../src/operations/verify-raft.js';
import { guideInventory, host, threeMasterInventory } from '../../helpers/inventory.js';
import { planWith } from '../../helpers/plan.js';

const fixture = (name: string) => readFileSync(join(__dirname, '../../fixtures/ovn', name), 'utf8');
/** The lab's addresses of the captured outputs: m1..m3 at 10.213.34.10..12. */
function labInventory() {
  const base = threeMasterInventory();
  const ms = [0, 1, 2].map((i) => host(`m${i + 1}`, `10.213.34.1${i}`, ['master']));
  return { ...base, hosts: [...ms, ...base.hosts.slice(3)] };
}
const state = (status: string) => ({ raw: `exists=1\nclustered=1\ncid=x\n--- cluster/status\n${status}` });

describe('verify_raft (each master)', () => {
  const inv = labInventory();
  const healthy = {
    'ovn.cluster:nb': state(fixture('cluster-status-nb-leader.txt')),
    'ovn.cluster:sb': state(fixture('cluster-status-sb-follower.txt')),
    'ovn.northd-status': 'standby',
  };

  it('a member of both clusters with a leader, connected to all: ok, saying its roles', async () => {
    const p = await planWith(verifyRaft, {}, healthy, inv, inv.hosts[0]);
    expect(p.commands).toEqual([]);
    expect(p.msg).toMatch(
      /^NB leader of 3 \(cluster f81b23ef\); SB follower of 3 \(cluster 33fe5c95\); northd standby$/,
    );
  });

  it('quorum lost: one line that says so', async () => {
    const f = { ...healthy, 'ovn.cluster:nb': state(fixture('cluster-status-nb-no-quorum.txt')) };
    await expect(planWith(verifyRaft, {}, f, inv, inv.hosts[1])).rejects.toThrow(
      /^no quorum: NB disconnected from the cluster \(election timeout\) \(this member reaches 0 of the 2 others\); /,
    );
  });

  it('a server that is not a running member, a northd that does not answer', async () => {
    const down = { ...healthy, 'ovn.cluster:sb': { raw: 'exists=1\nclustered=1\ncid=x\n--- cluster/status\n' } };
    await expect(planWith(verifyRaft, {}, down, inv, inv.hosts[0])).rejects.toThrow(/SB: this master's server is not/);
    await expect(planWith(verifyRaft, {}, { ...healthy, 'ovn.northd-status': null }, inv)).rejects.toThrow(
      /ovn-northd does not answer/,
    );
  });

  it('a cluster whose members differ from the inventory names the missing master', async () => {
    const two = { ...inv, hosts: [...inv.hosts.slice(0, 3), host('m4', '10.213.34.13', ['master'])] };
    await expect(planWith(verifyRaft, {}, healthy, two, two.hosts[0])).rejects.toThrow(
      /NB cluster f81b23ef: m4 not members/,
    );
  });

  it('one master: skipped', async () => {
    const p = await planWith(verifyRaft, {}, {}, guideInventory());
    expect(p.skip).toBe('one master: standalone databases');
  });
});

describe('verify_raft_cluster (once)', () => {
  const inv = threeMasterInventory();
  const answer = (cid: string, leader: boolean, connected = true) =>
    `{"rows":[{"cid":["uuid","${cid}"],"connected":${connected},"leader":${leader},"sid":["uuid","s"]}]}`;
  const members = (db: 'nb' | 'sb', lines: string[]) => {
    const port = db === 'nb' ? 6641 : 6642;
    const remotes = [1, 2, 3].map((i) => `tcp:10.0.0.${i}:${port}`);
    return {
      [`ovn.cluster-members:${db}:${remotes.join(',')}`]: {
        raw: remotes.map((r, i) => `${r}\t${lines[i] ? `[${lines[i]}]` : ''}`).join('\n'),
      },
    };
  };
  const C1 = '11111111-0000-0000-0000-000000000000';
  const C2 = '22222222-0000-0000-0000-000000000000';

  it('one cluster id, a leader, all connected: ok', async () => {
    const f = {
      ...members('nb', [answer(C1, true), answer(C1, false), answer(C1, false)]),
      ...members('sb', [answer(C2, false), answer(C2, true), answer(C2, false)]),
    };
    const p = await planWith(verifyRaftCluster, {}, f, inv);
    expect(p.msg).toBe('NB cluster 11111111: 3 of 3 members; SB cluster 22222222: 3 of 3 members');
  });

  it('two of three silent: no quorum, naming them', async () => {
    const f = {
      ...members('nb', ['', answer(C1, false, false), '']),
      ...members('sb', [answer(C2, false), answer(C2, true), answer(C2, false)]),
    };
    await expect(planWith(verifyRaftCluster, {}, f, inv)).rejects.toThrow(
      /^no quorum: NB has 0 of 3 members connected \(m1, m3 do not answer\)/,
    );
  });

  it('a member of another cluster: the ids, by master', async () => {
    const f = {
      ...members('nb', [answer(C1, true), answer(C1, false), answer(C2, true)]),
      ...members('sb', [answer(C2, false), answer(C2, true), answer(C2, false)]),
    };
    await expect(planWith(verifyRaftCluster, {}, f, inv)).rejects.toThrow(
      /NB: members report 2 cluster ids: m1 11111111, m2 11111111, m3 22222222/,
    );
  });
});

describe('ovnkube with three masters', () => {
  const inv = threeMasterInventory();
  const [m1, m2] = inv.hosts;

  it('-init-master on ovnkube.master only; another master runs no ovnkube, or the node half when a node', () => {
    expect(ovnkubeRole(m1, inv)).toBe('master');
    expect(ovnkubeRole(m2, inv)).toBe('none');
    expect(ovnkubeArgs(m1, inv)).toContain('-init-master=m1');
    expect(ovnkubeArgs(m1, inv)).toContain('-nb-address=tcp://10.0.0.1:6641,tcp://10.0.0.2:6641,tcp://10.0.0.3:6641');
    const both = host('m2', '10.0.0.2', ['master', 'node']);
    expect(ovnkubeRole(both, inv)).toBe('node');
    expect(ovnkubeArgs(both, inv).some((a) => a === '-init-node=m2')).toBe(true);
    expect(ovnkubeArgs(both, inv).some((a) => typeof a === 'string' && a.startsWith('-init-master'))).toBe(false);
    const moved = { ...inv, ovnkube: { ...inv.ovnkube, master: 'm2' } };
    expect(ovnkubeRole(m1, moved)).toBe('none');
    expect(ovnkubeRole(m2, moved)).toBe('master');
  });

  it('an ovnkube left running on another master is stopped; none running is ok', async () => {
    const facts = (procs: unknown[]) => ({
      'os.systemd': false,
      'file:/usr/bin/ovnkube': { raw: '' },
      'file:/etc/ovnctl/ovnkube.args': { raw: '' },
      'file:/usr/local/lib/ovnctl/ovnkube-launch': { raw: '' },
      'file.content:/etc/systemd/system/ovnkube.service': null,
      'process.of:/usr/bin/ovnkube': procs,
    });
    const stop = await planWith(ovnkube, {}, facts([{ pid: 42, argvSha256: 'x' }]), inv, m2);
    expect(stop.msg).toMatch(/^stop ovnkube: 1 running on a master that is not ovnkube.master/);
    expect(stop.commands[0].script).toMatch(/^kill 42 /);
    const none = await planWith(ovnkube, {}, facts([]), inv, m2);
    expect(none.commands).toEqual([]);
    await expect(
      planWith(verifyOvnkube, {}, { 'process.of:/usr/bin/ovnkube': [{ pid: 7, argvSha256: 'x' }] }, inv, m2),
    ).rejects.toThrow(/ovnkube runs \(pids 7\) on a master other than ovnkube.master m1/);
  });
});
