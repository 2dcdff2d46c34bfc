// Preflight's check of a master's OVN database files, from `ovnDbFiles` outputs recorded on Debian 12 lab
// hosts (test/fixtures/preflight/host/README.md): only what would fail, or serve another cluster, fails.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DbClusterState } from '../../src/facts/ovn-cluster.js';
import { parseDbFiles } from '../../src/facts/preflight-host.js';
import type { Inventory } from '../../src/inventory/types.js';
import { parseClusterStatus } from '../../src/ovn/cluster-status.js';
import { ovnDbVerdicts, preflightOvnDb } from '../../src/operations/preflight/ovn-db.js';
import { guideInventory, host } from '../helpers/inventory.js';
import { planWith } from '../helpers/plan.js';

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures', name), 'utf8');
const files = (name: string) => parseDbFiles(fixture(`preflight/host/${name}`));
const problems = (vs: ReturnType<typeof ovnDbVerdicts>) => vs.map((v) => (v.ok ? `ok: ${v.found}` : v.problem));
const absent: DbClusterState = { exists: false, clustered: false, dataRows: 0, status: null };

/** Masters at the given addresses (the first is the bootstrap master), RAFT ports as given. */
function masters(addrs: string[], raft = 6643): Inventory {
  const ms = addrs.map((a, i) => host(`m${i + 1}`, a, ['master']));
  const base = guideInventory();
  return guideInventory({
    hosts: ms,
    groups: { all: ms.map((m) => m.name), masters: ms.map((m) => m.name), nodes: [] },
    cluster: { ...base.cluster, nbRaftPort: raft, sbRaftPort: raft + 1 },
  });
}

describe('OVN database files of a master', () => {
  it('reads exists / clustered / running, and a stopped clustered file with ovsdb-tool', () => {
    expect(files('debian12-ovn-db-standalone-running.out')).toMatchObject({
      nb: { exists: true, clustered: false, running: true },
      sb: { exists: true, clustered: false, running: true },
    });
    expect(files('debian12-ovn-db-other-cluster.out').nb).toEqual({
      exists: true,
      clustered: true,
      running: false,
      cid: 'b79d019f-d6f2-4d10-842b-b0bdaebe89b7',
      localAddress: 'tcp:10.213.196.11:16643',
      members: ['tcp:10.213.196.11:16643', 'tcp:10.213.196.10:16643'],
    });
    expect(files('debian12-ovn-db-never-joined.out').nb).toMatchObject({
      cid: '',
      localAddress: 'tcp:10.213.196.11:6643',
      members: ['tcp:10.9.9.1:6643'],
    });
  });

  it('one master: no file or a standalone one pass (a rerun); a clustered file fails with both fixes', () => {
    const inv = masters(['10.213.196.10']);
    const m1 = inv.hosts[0];
    expect(problems(ovnDbVerdicts(inv, m1, files('debian12-ovn-db-standalone-running.out'), null))).toEqual([
      'ok: NB: standalone, kept; SB: standalone, kept',
    ]);
    expect(problems(ovnDbVerdicts(inv, m1, files('debian12-ovn-db-none.out'), null))[0]).toMatch(/^ok:/);
    const [v] = ovnDbVerdicts(inv, m1, files('debian12-ovn-db-other-cluster.out'), null);
    if (v.ok) throw new Error('expected a failure');
    expect(v.problem).toBe(
      "m1's NB database /var/lib/ovn/ovnnb_db.db is a RAFT member of cluster b79d019f-d6f2-4d10-842b-b0bdaebe89b7 " +
        '(members tcp:10.213.196.11:16643, tcp:10.213.196.10:16643), and with one master the inventory wants a ' +
        'standalone database: ovn-ctl would start it as a member of that cluster',
    );
    expect(v.fix).toContain('mv /var/lib/ovn/ovnnb_db.db /var/lib/ovn/ovnnb_db.db.other-cluster.bak');
    expect(v.fix).toContain('ovsdb-tool cluster-to-standalone');
  });

  it('2+ masters, a stopped member of the same cluster passes: ovn-ctl restarts it where it was', () => {
    const inv = masters(['10.213.196.10', '10.213.196.11'], 16643);
    expect(problems(ovnDbVerdicts(inv, inv.hosts[1], files('debian12-ovn-db-other-cluster.out'), null))).toEqual([
      'ok: NB: RAFT member at tcp:10.213.196.11:16643; SB: no database yet',
    ]);
  });

  it('2+ masters, a stopped file at another RAFT address, or of a cluster without the bootstrap master, fails', () => {
    const moved = masters(['10.213.196.10', '10.213.196.11']);
    expect(problems(ovnDbVerdicts(moved, moved.hosts[1], files('debian12-ovn-db-other-cluster.out'), null))).toEqual([
      "m2's NB database /var/lib/ovn/ovnnb_db.db is a RAFT member at tcp:10.213.196.11:16643; " +
        'the inventory wants tcp:10.213.196.11:6643',
    ]);
    const other = masters(['10.213.196.20', '10.213.196.11'], 16643);
    expect(problems(ovnDbVerdicts(other, other.hosts[1], files('debian12-ovn-db-other-cluster.out'), null))).toEqual([
      "m2's NB database /var/lib/ovn/ovnnb_db.db belongs to another cluster " +
        '(id b79d019f-d6f2-4d10-842b-b0bdaebe89b7) with members tcp:10.213.196.11:16643, tcp:10.213.196.10:16643, ' +
        'not the one of m1 (10.213.196.20:16643): it would start there',
    ]);
    // Never joined: it would ask the remotes it was created with, which are not the bootstrap master.
    const joined = masters(['10.213.196.10', '10.213.196.11']);
    expect(
      problems(ovnDbVerdicts(joined, joined.hosts[1], files('debian12-ovn-db-never-joined.out'), null))[0],
    ).toMatch(/belongs to another cluster with members tcp:10\.9\.9\.1:6643, not the one of m1/);
  });

  it("the bootstrap master fails only when none of its file's other members is an inventory master", () => {
    // The recorded file of 10.213.196.11 as seen by a bootstrap master there: its peer .10 is in the inventory.
    const kept = masters(['10.213.196.11', '10.213.196.10'], 16643);
    expect(ovnDbVerdicts(kept, kept.hosts[0], files('debian12-ovn-db-other-cluster.out'), null)[0].ok).toBe(true);
    const gone = masters(['10.213.196.11', '10.213.196.30'], 16643);
    expect(ovnDbVerdicts(gone, gone.hosts[0], files('debian12-ovn-db-other-cluster.out'), null)[0].ok).toBe(false);
  });

  it('2+ masters, a joining master with a standalone file holding data fails as ovn_central would', () => {
    const inv = masters(['10.213.196.20', '10.213.196.10']);
    const standalone = files('debian12-ovn-db-standalone-running.out');
    const rows = { nb: { ...absent, exists: true, dataRows: 4 }, sb: { ...absent, exists: true } };
    expect(problems(ovnDbVerdicts(inv, inv.hosts[1], standalone, rows))).toEqual([
      "m2's NB database /var/lib/ovn/ovnnb_db.db is standalone and holds 4 data rows; joining the cluster of m1 " +
        'would drop them',
    ]);
    expect(ovnDbVerdicts(inv, inv.hosts[0], standalone, rows)[0].ok).toBe(true);
  });

  it('a running member is judged by its cluster/status (the recorded follower of a 3-master lab)', () => {
    const status = parseClusterStatus(fixture('ovn/cluster-status-nb-follower.txt'))!;
    const running = {
      nb: { exists: true, clustered: true, running: true, cid: '', localAddress: '', members: [] },
      sb: { exists: false, clustered: false, running: false, cid: '', localAddress: '', members: [] },
    };
    const cluster = { nb: { ...absent, exists: true, clustered: true, status }, sb: absent };
    const same = masters(['10.213.34.10', '10.213.34.11', '10.213.34.12']);
    expect(ovnDbVerdicts(same, same.hosts[2], running, cluster)[0].ok).toBe(true);
    const other = masters(['10.213.34.40', '10.213.34.41', '10.213.34.12']);
    expect(problems(ovnDbVerdicts(other, other.hosts[2], running, cluster))[0]).toMatch(
      /belongs to another cluster \(id 21c5e877-f5f6-48a7-b8ea-8bc71b5765dc\).*it would stay there$/,
    );
  });

  it('declares the ovn_central cluster facts only with 2+ masters, and nothing on a node', async () => {
    const one = masters(['10.213.196.10']);
    const raw = { raw: fixture('preflight/host/debian12-ovn-db-standalone-running.out') };
    await expect(planWith(preflightOvnDb, {}, { 'preflight.ovn-db-files': raw }, one)).resolves.toMatchObject({
      commands: [],
    });
    const withNode = guideInventory();
    const plan = await planWith(preflightOvnDb, {}, {}, withNode, withNode.hosts[1]);
    expect(plan.skip).toContain('not a master');
  });
});
