// ovsdb_connection with TLS: NB and SB listen on pssl:, the SB's client port has the RBAC role
// ovn-controller, with 2+ masters ovn-northd gets its own SB listener (16642) without a role; a role that
// changes on an existing target takes two set-connection steps. Plaintext is exactly as before.
import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/inventory/types.js';
import { ovsdbConnection } from '../../src/operations/ovsdb.js';
import { parseConnections, parseConnectionTargets } from '../../src/ovn/output.js';
import { describeListener, listeners, northdRemoteList, remoteList, scheme } from '../../src/ovn/topology.js';
import { guideInventory, threeMasterInventory } from '../helpers/inventory.js';
import { planWith, scripts } from '../helpers/plan.js';

const TLS = { enabled: true, caDir: '/tmp/pki', renewDays: 30 };
const one = guideInventory({ tls: TLS });
const three = threeMasterInventory({ tls: TLS });

/** The plan for `db` given what `get-connection` printed on the master. */
function plan(inv: Inventory, db: 'nb' | 'sb', out: string | null) {
  const clustered = inv.hosts.filter((h) => h.roles.includes('master')).length > 1;
  const key = `ovn.connection:${db}${clustered ? ':any-member' : ''}`;
  const fact = out === null ? { raw: '', rc: 1 } : { raw: out };
  return planWith(ovsdbConnection, { db, port: db === 'nb' ? 6641 : 6642 }, { [key]: fact }, inv, inv.hosts[0]);
}

describe('ovsdb_connection with tls.enabled', () => {
  it('NB: set-connection pssl:6641 (no role words)', async () => {
    expect(scripts(await plan(one, 'nb', ''))).toEqual(['ovn-nbctl --timeout=10 set-connection pssl:6641']);
  });

  it('SB, one master: the client port with the RBAC role ovn-controller', async () => {
    expect(scripts(await plan(one, 'sb', ''))).toEqual([
      'ovn-sbctl --timeout=10 set-connection role=ovn-controller pssl:6642',
    ]);
  });

  it("SB, three masters: the nodes' port with the role, northd's port 16642 without (through any member)", async () => {
    expect(scripts(await plan(three, 'sb', ''))).toEqual([
      'ovn-sbctl --no-leader-only --timeout=10 set-connection role=ovn-controller pssl:6642 role= pssl:16642',
    ]);
  });

  it('the northd port follows cluster.sbNorthdPort', async () => {
    const inv = { ...three, cluster: { ...three.cluster, sbNorthdPort: 26642 } };
    expect(scripts(await plan(inv, 'sb', ''))[0]).toMatch(/ role= pssl:26642$/);
  });

  it('current rows equal to the wanted ones (in any order): no change', async () => {
    expect((await plan(one, 'nb', 'pssl:6641\n')).commands).toEqual([]);
    expect((await plan(one, 'sb', 'read-write role="ovn-controller" pssl:6642\n')).commands).toEqual([]);
    const rows = 'read-write role="" pssl:16642\nread-write role="ovn-controller" pssl:6642\n';
    expect((await plan(three, 'sb', rows)).commands).toEqual([]);
  });

  it('an existing pssl:6642 with role "": two commands, the first drops it, the second sets all', async () => {
    expect(scripts(await plan(one, 'sb', 'read-write role="" pssl:6642\n'))).toEqual([
      'ovn-sbctl --timeout=10 set-connection',
      'ovn-sbctl --timeout=10 set-connection role=ovn-controller pssl:6642',
    ]);
    const rows = 'read-write role="" pssl:6642\nread-write role="" pssl:16642\n';
    expect(scripts(await plan(three, 'sb', rows))).toEqual([
      'ovn-sbctl --no-leader-only --timeout=10 set-connection role= pssl:16642',
      'ovn-sbctl --no-leader-only --timeout=10 set-connection role=ovn-controller pssl:6642 role= pssl:16642',
    ]);
  });

  it('plaintext → TLS: one command (the old target simply goes)', async () => {
    const p = await plan(one, 'sb', 'read-write role="" ptcp:6642\n');
    expect(scripts(p)).toEqual(['ovn-sbctl --timeout=10 set-connection role=ovn-controller pssl:6642']);
    expect(p.diff).toEqual({ before: 'ptcp:6642', after: 'pssl:6642 (role ovn-controller)' });
    expect(p.msg).toBe('SB listen on pssl:6642 (role ovn-controller)');
  });

  it('TLS → plaintext: back to ptcp:6642 without role words', async () => {
    const inv = guideInventory();
    expect(scripts(await plan(inv, 'sb', 'read-write role="ovn-controller" pssl:6642\n'))).toEqual([
      'ovn-sbctl --timeout=10 set-connection ptcp:6642',
    ]);
  });

  it('a database not reachable: sets the connection, the diff says so', async () => {
    const p = await plan(one, 'sb', null);
    expect(scripts(p)).toEqual(['ovn-sbctl --timeout=10 set-connection role=ovn-controller pssl:6642']);
    expect(p.diff?.before).toBe('(database not reachable)');
  });
});

describe('ovsdb_connection in plaintext is unchanged', () => {
  const plain = guideInventory();
  it('set-connection ptcp:6642 exactly, no role words', async () => {
    expect(scripts(await plan(plain, 'sb', ''))).toEqual(['ovn-sbctl --timeout=10 set-connection ptcp:6642']);
    expect(scripts(await plan(plain, 'nb', ''))).toEqual(['ovn-nbctl --timeout=10 set-connection ptcp:6641']);
  });
  it('three masters: one SB listener, no northd port', async () => {
    expect(scripts(await plan(threeMasterInventory(), 'sb', ''))).toEqual([
      'ovn-sbctl --no-leader-only --timeout=10 set-connection ptcp:6642',
    ]);
  });
  it('a running ptcp:6642 with role "" (what ovn-sbctl prints) is no change', async () => {
    expect((await plan(plain, 'sb', 'read-write role="" ptcp:6642\n')).commands).toEqual([]);
  });
});

describe('topology with TLS', () => {
  it('scheme is ssl with tls.enabled, tcp without', () => {
    expect(scheme(one)).toBe('ssl');
    expect(scheme(guideInventory())).toBe('tcp');
  });
  it("ovn-controller's remotes are ssl:", () => {
    expect(remoteList(three, 'sb')).toBe('ssl:10.0.0.1:6642,ssl:10.0.0.2:6642,ssl:10.0.0.3:6642');
    expect(remoteList(one, 'nb')).toBe('ssl:10.0.0.10:6641');
  });
  it('listeners: NB one, SB with the role, plus northd with 2+ masters', () => {
    expect(listeners(one, 'nb')).toEqual([{ target: 'pssl:6641', role: '', scheme: 'ssl', port: 6641 }]);
    expect(listeners(one, 'sb')).toEqual([{ target: 'pssl:6642', role: 'ovn-controller', scheme: 'ssl', port: 6642 }]);
    expect(listeners(three, 'sb').map((l) => [l.target, l.role])).toEqual([
      ['pssl:6642', 'ovn-controller'],
      ['pssl:16642', ''],
    ]);
    expect(listeners(threeMasterInventory(), 'sb')).toEqual([
      { target: 'ptcp:6642', role: '', scheme: 'tcp', port: 6642 },
    ]);
  });
  it('describeListener reads as a user says it', () => {
    const [sb, northd] = listeners(three, 'sb');
    expect(describeListener(sb)).toBe('TLS 6642 (RBAC role ovn-controller)');
    expect(describeListener(northd)).toBe('TLS 16642');
    expect(describeListener(listeners(guideInventory(), 'nb')[0])).toBe('TCP 6641');
  });
  it("northd's remotes: NB the client port, SB northd's own port, both ssl:", () => {
    expect(northdRemoteList(three, 'nb')).toBe('ssl:10.0.0.1:6641,ssl:10.0.0.2:6641,ssl:10.0.0.3:6641');
    expect(northdRemoteList(three, 'sb')).toBe('ssl:10.0.0.1:16642,ssl:10.0.0.2:16642,ssl:10.0.0.3:16642');
    expect(northdRemoteList(threeMasterInventory(), 'sb')).toBe(
      'tcp:10.0.0.1:6642,tcp:10.0.0.2:6642,tcp:10.0.0.3:6642',
    );
  });
});

describe('parseConnections', () => {
  it('reads the rows of ovn-sbctl and ovn-nbctl get-connection, with roles', () => {
    const sb =
      'read-write role="ovn-controller" pssl:6642\nread-write role="" pssl:16642\n' +
      'read-only role="" ptcp:6640:127.0.0.1\n';
    expect(parseConnections(sb)).toEqual([
      { target: 'pssl:6642', role: 'ovn-controller' },
      { target: 'pssl:16642', role: '' },
      { target: 'ptcp:6640:127.0.0.1', role: '' },
    ]);
    expect(parseConnections('pssl:6641\n')).toEqual([{ target: 'pssl:6641', role: '' }]);
    expect(parseConnections('')).toEqual([]);
    expect(parseConnectionTargets(sb)).toEqual(['pssl:6642', 'pssl:16642', 'ptcp:6640:127.0.0.1']);
  });
});
