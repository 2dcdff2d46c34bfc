// OVN central with one master (the service module's standalone start, unchanged) and with three (RAFT):
// args + facts in, commands out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaskFailure } from '../../../src/errors.js';
import {
  centralDefaultsText,
  centralOptions,
  electionTimerCommands,
  joinRemotes,
} from '../../../src/ovn/central-options.js';
import { ovnCentral } from '../../../src/operations/ovn-central.js';
import { service } from '../../../src/operations/services.js';
import { guideInventory, threeMasterInventory } from '../../helpers/inventory.js';
import { planWith, scripts } from '../../helpers/plan.js';

const fixture = (name: string) => readFileSync(join(__dirname, '../../fixtures/ovn', name), 'utf8');
const CTL = '/usr/share/ovn/scripts/ovn-ctl';
const CREATE = 'ovsdb-tool --election-timer=1000 create-cluster';
const DAEMONS_KEY = 'process.daemons:ovn-northd,ovnnb_db,ovnsb_db';
const allAlive = { 'ovn-northd': true, ovnnb_db: true, ovnsb_db: true };
const noneAlive = { 'ovn-northd': false, ovnnb_db: false, ovnsb_db: false };
const OPTIONS_KEY = 'process.options:ovn-northd,ovnnb_db,ovnsb_db:--ovnnb-db,--ovnsb-db,--private-key';
/** What /proc says the running daemons were given: northd's databases; no TLS key unless `key`. */
function running(alive: Record<string, boolean>, nb: string, sb: string, key?: string) {
  const tls = key ? { '--private-key': key } : {};
  return {
    'ovn-northd': alive['ovn-northd'] ? { '--ovnnb-db': nb, '--ovnsb-db': sb, ...tls } : null,
    ovnnb_db: alive.ovnnb_db ? { ...tls } : null,
    ovnsb_db: alive.ovnsb_db ? { ...tls } : null,
  };
}

/** The facts of a master: no systemd (the lab), ovn-ctl found, the two database states given. */
function facts(nb: string, sb: string, alive = allAlive, extra: Record<string, unknown> = {}) {
  return {
    'os.systemd': false,
    [DAEMONS_KEY]: alive,
    'ovn.ctl-path': CTL,
    'ovn.cluster:nb': { raw: nb },
    'ovn.cluster:sb': { raw: sb },
    'file.content:/etc/default/ovn-central': null,
    [OPTIONS_KEY]: running(alive, NB_CLIENTS, SB_CLIENTS),
    ...extra,
  };
}
const none = 'exists=0\n--- cluster/status\n';
const standalone = (rows: number) => `exists=1\nclustered=0\nrows=${rows}\n--- cluster/status\n`;
/** A running member whose status says `address` and these members. */
function member(address: string, role: string, servers: string[], timer = 1000): string {
  const list = servers.map((a, i) => `    a00${i} (a00${i} at ${a})${a === address ? ' (self)' : ''}`).join('\n');
  const conns = servers
    .map((a, i) => (a === address ? '' : `<-a00${i} ->a00${i}`))
    .filter(Boolean)
    .join(' ');
  return (
    'exists=1\nclustered=1\ncid=f81b23ef-e80b-4c06-90d1-954d7090b643\n--- cluster/status\n' +
    'Cluster ID: f81b (f81b23ef-e80b-4c06-90d1-954d7090b643)\n' +
    'Server ID: bbb3 (bbb38122-15a1-42ca-a907-7f1da60247f6)\n' +
    `Address: ${address}\nStatus: cluster member\nRole: ${role}\nTerm: 2\n` +
    `Leader: ${role === 'leader' ? 'self' : 'a000'}\n` +
    `Election timer: ${timer}\nConnections: ${conns}\nServers:\n${list}\n`
  );
}
const NB_CLIENTS = 'tcp:10.0.0.1:6641,tcp:10.0.0.2:6641,tcp:10.0.0.3:6641';
const SB_CLIENTS = 'tcp:10.0.0.1:6642,tcp:10.0.0.2:6642,tcp:10.0.0.3:6642';
const NB = ['tcp:10.0.0.1:6643', 'tcp:10.0.0.2:6643', 'tcp:10.0.0.3:6643'];
const SB = ['tcp:10.0.0.1:6644', 'tcp:10.0.0.2:6644', 'tcp:10.0.0.3:6644'];

describe('one master: the standalone databases, exactly as the service module starts them', () => {
  it('plans what service ovn-central plans, with the same facts', async () => {
    const inv = guideInventory();
    const f = {
      'os.systemd': false,
      [DAEMONS_KEY]: noneAlive,
      'ovn.ctl-path': CTL,
      [OPTIONS_KEY]: running(noneAlive, '', ''),
      'file.content:/etc/default/ovn-central': null,
    };
    const central = await planWith(ovnCentral, {}, f, inv);
    const svc = await planWith(service, { name: 'ovn-central' }, f, inv);
    expect(scripts(central)).toEqual(scripts(svc));
    expect(scripts(central)).toEqual([`${CTL} start_northd`]);
    expect(central.msg).toBe(svc.msg);
    const ctx = { host: inv.hosts[0], inventory: inv, readAsset: async () => Buffer.from('') };
    // And what tells whether TLS (of the running servers, of /etc/default/ovn-central) changes.
    expect(ovnCentral.facts({ state: 'started' }, ctx).map((x) => x.key)).toEqual([
      ...service.facts({ name: 'ovn-central', state: 'started' }, ctx).map((x) => x.key),
      OPTIONS_KEY,
      'file.content:/etc/default/ovn-central',
    ]);
  });

  it('has no ovn-ctl options', () => {
    expect(centralOptions(guideInventory(), guideInventory().hosts[0])).toEqual([]);
  });
});

describe('three masters: ovn-ctl options', () => {
  const inv = threeMasterInventory();
  const [m1, m2] = inv.hosts;

  it('the bootstrap master creates: local address and RAFT ports, northd given every member', () => {
    expect(centralOptions(inv, m1)).toEqual([
      '--db-nb-cluster-local-addr=10.0.0.1',
      '--db-nb-cluster-local-port=6643',
      '--db-sb-cluster-local-addr=10.0.0.1',
      '--db-sb-cluster-local-port=6644',
      '--ovn-northd-nb-db=tcp:10.0.0.1:6641,tcp:10.0.0.2:6641,tcp:10.0.0.3:6641',
      '--ovn-northd-sb-db=tcp:10.0.0.1:6642,tcp:10.0.0.2:6642,tcp:10.0.0.3:6642',
    ]);
  });

  it('a joining master names the bootstrap master as the remote, and asks every other member to join', () => {
    expect(centralOptions(inv, m2)).toContain('--db-nb-cluster-remote-addr=10.0.0.1');
    expect(centralOptions(inv, m2)).toContain('--db-sb-cluster-remote-port=6644');
    expect(joinRemotes(inv, m2, 'nb')).toEqual(['tcp:10.0.0.1:6643', 'tcp:10.0.0.3:6643']);
  });

  it('follows cluster.bootstrapMaster and the RAFT ports of the inventory', () => {
    const custom = { ...inv, cluster: { ...inv.cluster, bootstrapMaster: 'm3', nbRaftPort: 7643, sbRaftPort: 7644 } };
    expect(centralOptions(custom, custom.hosts[2]).join(' ')).not.toMatch(/remote-addr/);
    expect(centralOptions(custom, m1)).toContain('--db-nb-cluster-remote-addr=10.0.0.3');
    expect(joinRemotes(custom, m1, 'sb')).toEqual(['tcp:10.0.0.3:7644', 'tcp:10.0.0.2:7644']);
  });

  it('puts an IPv6 address in brackets: ovn-ctl joins PROTO:ADDR:PORT itself', () => {
    const v6 = { ...inv, hosts: inv.hosts.map((h, i) => (i === 0 ? { ...h, address: 'fd00::1' } : h)) };
    expect(centralOptions(v6, v6.hosts[0])).toContain('--db-nb-cluster-local-addr=[fd00::1]');
    expect(centralOptions(v6, v6.hosts[1])).toContain('--db-sb-cluster-remote-addr=[fd00::1]');
    expect(joinRemotes(v6, v6.hosts[1], 'nb')[0]).toBe('tcp:[fd00::1]:6643');
  });

  it('writes them on one OVN_CTL_OPTS line for systemd', () => {
    const text = centralDefaultsText(inv, m2);
    expect(text.split('\n').filter((l) => l.startsWith('OVN_CTL_OPTS='))).toHaveLength(1);
    expect(text).toMatch(/^OVN_CTL_OPTS="--db-nb-cluster-local-addr=10\.0\.0\.2 .*--ovn-northd-sb-db=\S+"$/m);
  });
});

describe('three masters: the ovn_central plan', () => {
  const inv = threeMasterInventory();
  const [m1, m2] = inv.hosts;

  it('fresh bootstrap master: creates both clusters with the election timer, starts with its options', async () => {
    const p = await planWith(ovnCentral, {}, facts(none, none, noneAlive), inv, m1);
    expect(scripts(p)).toEqual([
      `${CREATE} /var/lib/ovn/ovnnb_db.db /usr/share/ovn/ovn-nb.ovsschema tcp:10.0.0.1:6643`,
      `${CREATE} /var/lib/ovn/ovnsb_db.db /usr/share/ovn/ovn-sb.ovsschema tcp:10.0.0.1:6644`,
      `${CTL} start_northd ${centralOptions(inv, m1).join(' ')}`,
    ]);
    expect(p.msg).toBe('create the NB cluster; create the SB cluster');
  });

  it('fresh joining master: joins with every other member', async () => {
    const p = await planWith(ovnCentral, {}, facts(none, none, noneAlive), inv, m2);
    expect(scripts(p)[0]).toBe(
      'ovsdb-tool join-cluster /var/lib/ovn/ovnnb_db.db OVN_Northbound ' +
        'tcp:10.0.0.2:6643 tcp:10.0.0.1:6643 tcp:10.0.0.3:6643',
    );
    expect(scripts(p)[2]).toMatch(/start_northd .*--db-nb-cluster-remote-addr=10\.0\.0\.1/);
  });

  it('1 → 3 masters: the running standalone bootstrap master stops, converts keeping a backup, starts', async () => {
    const p = await planWith(ovnCentral, {}, facts(standalone(4), standalone(2)), inv, m1);
    const s = scripts(p);
    expect(s[0]).toBe(`${CTL} stop_northd`);
    expect(s[1]).toMatch(
      /mv \/var\/lib\/ovn\/ovnnb_db\.db "\$b" && .*create-cluster \/var\/lib\/ovn\/ovnnb_db\.db "\$b"/s,
    );
    expect(s[1]).toMatch(/b=\/var\/lib\/ovn\/ovnnb_db\.db\.standalone-\$\(date/);
    expect(s[3]).toMatch(/start_northd/);
    expect(p.msg).toMatch(/convert the standalone NB database/);
  });

  it('a joining master whose standalone database holds data stops there with the fix; nothing wiped', async () => {
    const plan = planWith(ovnCentral, {}, facts(standalone(3), standalone(0)), inv, m2);
    await expect(plan).rejects.toThrow(TaskFailure);
    await expect(plan).rejects.toThrow(
      /m2's NB database \/var\/lib\/ovn\/ovnnb_db\.db is standalone and holds 3 data rows.*stop_northd && mv/,
    );
  });

  it('a joining master whose standalone database is empty (made by ovn-ctl or the package) is replaced', async () => {
    const p = await planWith(ovnCentral, {}, facts(standalone(0), standalone(0)), inv, m2);
    const s = scripts(p);
    expect(s[0]).toBe(`${CTL} stop_northd`);
    expect(s[1]).toMatch(
      /^b=\/var\/lib\/ovn\/ovnnb_db\.db\.standalone-\$\(date .*; mv \/var\/lib\/ovn\/ovnnb_db\.db "\$b"/,
    );
    expect(s[2]).toMatch(/^ovsdb-tool join-cluster/);
  });

  it('a healthy member changes nothing (a rerun)', async () => {
    const p = await planWith(
      ovnCentral,
      {},
      facts(member(NB[1], 'follower', NB), member(SB[1], 'follower', SB)),
      inv,
      m2,
    );
    expect(p.commands).toEqual([]);
    expect(p.msg).toBe('NB follower, 3 members; SB follower, 3 members');
  });

  it('a member of another cluster (the bootstrap master is not in it) stops there with the fix', async () => {
    const alone = member(NB[1], 'leader', [NB[1]]);
    const plan = planWith(ovnCentral, {}, facts(alone, member(SB[1], 'follower', SB)), inv, m2);
    await expect(plan).rejects.toThrow(/m2's NB database belongs to another cluster \(id f81b23ef.*mv \/var\/lib\/ovn/);
  });

  it('a member serving another RAFT address than the inventory says stops there', async () => {
    const moved = member('tcp:10.0.0.2:7643', 'follower', NB);
    await expect(planWith(ovnCentral, {}, facts(moved, member(SB[1], 'follower', SB)), inv, m2)).rejects.toThrow(
      /is a RAFT member at tcp:10\.0\.0\.2:7643, the inventory wants tcp:10\.0\.0\.2:6643/,
    );
  });

  it('a stopped member with clustered files: started again with the same options, files untouched', async () => {
    const down = 'exists=1\nclustered=1\ncid=x\n--- cluster/status\n';
    const p = await planWith(ovnCentral, {}, facts(down, down, noneAlive), inv, m2);
    expect(scripts(p)).toHaveLength(1);
    expect(scripts(p)[0]).toMatch(/start_northd .*--db-sb-cluster-remote-addr=10\.0\.0\.1/);
  });

  it('under systemd: the options go in /etc/default/ovn-central, then the units restart', async () => {
    const f = facts(none, none, noneAlive, { 'os.systemd': true });
    const p = await planWith(ovnCentral, {}, f, inv, m2);
    const s = scripts(p);
    expect(s.some((x) => x.includes('/etc/default/ovn-central'))).toBe(true);
    expect(s.at(-1)).toBe(
      'systemctl enable ovn-central && ' +
        'systemctl restart ovn-central ovn-northd ovn-ovsdb-server-nb ovn-ovsdb-server-sb',
    );
    const same = facts(member(NB[1], 'follower', NB), member(SB[1], 'follower', SB), allAlive, {
      'os.systemd': true,
      'file.content:/etc/default/ovn-central': centralDefaultsText(inv, m2),
    });
    expect((await planWith(ovnCentral, {}, same, inv, m2)).commands).toEqual([]);
  });

  it('the election timer changes on the leader only, at most doubling per step', async () => {
    const want = { ...inv, cluster: { ...inv.cluster, electionTimerMs: 5000 } };
    const leader = await planWith(
      ovnCentral,
      {},
      facts(member(NB[0], 'leader', NB), member(SB[0], 'leader', SB, 5000)),
      want,
      m1,
    );
    expect(scripts(leader)).toHaveLength(3);
    expect(scripts(leader).map((s) => /change-election-timer OVN_Northbound (\d+)/.exec(s)?.[1])).toEqual([
      '2000',
      '4000',
      '5000',
    ]);
    const follower = await planWith(
      ovnCentral,
      {},
      facts(member(NB[1], 'follower', NB), member(SB[1], 'follower', SB)),
      want,
      m2,
    );
    expect(follower.commands).toEqual([]);
    expect(electionTimerCommands('sb', 4000, 1000)).toHaveLength(1);
  });

  it('stopped (uninstall --limit m3): leaves both clusters, bounded, then stops', async () => {
    const m3 = inv.hosts[2];
    const p = await planWith(
      ovnCentral,
      { state: 'stopped' },
      facts(member(NB[2], 'follower', NB), member(SB[2], 'follower', SB)),
      inv,
      m3,
    );
    const s = scripts(p);
    expect(s).toHaveLength(3);
    expect(s[0]).toMatch(/cluster\/leave OVN_Northbound.*while .*cluster\/status OVN_Northbound.*leaving cluster/s);
    expect(s[0]).toMatch(/\|\| true$/);
    expect(s[2]).toBe(`${CTL} stop_northd`);
    expect(p.msg).toBe('leave the NB and SB clusters, stop ovn-central');
  });

  it('stopped: the last member of a cluster has nothing to leave', async () => {
    const p = await planWith(
      ovnCentral,
      { state: 'stopped' },
      facts(member(NB[0], 'leader', [NB[0]]), member(SB[0], 'leader', [SB[0]])),
      inv,
      m1,
    );
    expect(scripts(p)).toEqual([`${CTL} stop_northd`]);
  });
});

describe('three masters: a join the cluster does not accept', () => {
  it('a server still joining on a later run stops that host, naming the leader log and the fix', async () => {
    const inv = threeMasterInventory();
    const joining =
      `exists=1\nclustered=1\ncid=\n--- cluster/status\n${fixture('cluster-status-nb-joining.txt')}`.replace(
        '10.213.34.12:7643',
        '10.0.0.2:6643',
      );
    const sb = member(SB[1], 'follower', SB);
    await expect(planWith(ovnCentral, {}, facts(joining, sb), inv, inv.hosts[1])).rejects.toThrow(
      new RegExp(
        "^m2's NB server is still joining: the cluster has not admitted it; see why in the leader's log " +
          "\\(/var/log/ovn/ovsdb-server-nb\\.log on m1\\); on m2 run '.*stop_northd && mv",
      ),
    );
  });
});

describe('three masters: the member list changed (a master added or removed)', () => {
  const inv = threeMasterInventory();
  const m2 = inv.hosts[1];
  const healthy = (extra: Record<string, unknown>) =>
    facts(member(NB[1], 'follower', NB), member(SB[1], 'follower', SB), allAlive, extra);

  it('no systemd: ovn-northd alone restarts with every member; the databases keep running', async () => {
    const stale = running(allAlive, 'tcp:10.0.0.1:6641,tcp:10.0.0.2:6641', 'tcp:10.0.0.1:6642,tcp:10.0.0.2:6642');
    const p = await planWith(ovnCentral, {}, healthy({ [OPTIONS_KEY]: stale }), inv, m2);
    expect(scripts(p)).toEqual([
      `${CTL} --ovn-manage-ovsdb=no stop_northd`,
      `${CTL} start_northd ${centralOptions(inv, m2).join(' ')}`,
    ]);
    expect(p.msg).toBe('restart ovn-northd with the members of the cluster');
  });

  it('systemd: the new OVN_CTL_OPTS, then ovn-northd alone restarts', async () => {
    const p = await planWith(ovnCentral, {}, healthy({ 'os.systemd': true }), inv, m2);
    const s = scripts(p);
    expect(s[0]).toMatch(/\/etc\/default\/ovn-central/);
    expect(s.slice(1)).toEqual(['systemctl restart ovn-northd']);
  });
});
