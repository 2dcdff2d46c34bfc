// The OVN domain model (src/ovn/): who serves the databases, how clients reach them, how every client
// command is spelled, and the one daemon table.
import { describe, expect, it } from 'vitest';
import { DAEMON_NAMES, DAEMONS, SERVICE_NAMES, daemonsOf } from '../../src/ovn/daemons.js';
import { appctl, ctl, ctlRead, TIMEOUT } from '../../src/ovn/dbctl.js';
import { listensOn, passive, remote, url } from '../../src/ovn/endpoint.js';
import { parseConnectionTargets } from '../../src/ovn/output.js';
import {
  addressList,
  bootstrapMaster,
  clientEndpoints,
  listenTarget,
  masters,
  raftEndpoint,
  remoteList,
} from '../../src/ovn/topology.js';
import { raw } from '../../src/shell/command.js';
import { guideInventory, host } from '../helpers/inventory.js';

/** Three masters, listed out of name order, one of them IPv6, and a node between them. */
function threeMasters() {
  const base = guideInventory();
  const hosts = [
    host('m2', '10.0.0.20', ['master']),
    host('n1', '10.0.0.11', ['node']),
    host('m1', 'fd00::10', ['master', 'node']),
    host('m3', '10.0.0.30', ['master']),
  ];
  return guideInventory({
    hosts,
    groups: { ...base.groups, masters: ['m2', 'm1', 'm3'] },
    // As the inventory builds it: the first master unless cluster.bootstrapMaster names another.
    cluster: { ...base.cluster, bootstrapMaster: 'm2' },
  });
}

describe('topology', () => {
  it('the masters are in inventory order, and the first is the bootstrap master', () => {
    const inv = threeMasters();
    expect(masters(inv).map((h) => h.name)).toEqual(['m2', 'm1', 'm3']);
    expect(bootstrapMaster(inv).name).toBe('m2');
  });

  it('gives ovn-controller every master as an OVSDB remote, IPv6 in brackets', () => {
    const inv = threeMasters();
    expect(remoteList(inv, 'sb')).toBe('tcp:10.0.0.20:6642,tcp:[fd00::10]:6642,tcp:10.0.0.30:6642');
    expect(remoteList(inv, 'nb')).toBe('tcp:10.0.0.20:6641,tcp:[fd00::10]:6641,tcp:10.0.0.30:6641');
  });

  it('gives ovnkube every master as a URL', () => {
    expect(addressList(threeMasters(), 'nb')).toBe('tcp://10.0.0.20:6641,tcp://[fd00::10]:6641,tcp://10.0.0.30:6641');
  });

  it('follows the inventory ports', () => {
    const inv = guideInventory();
    const custom = { ...inv, cluster: { ...inv.cluster, nbPort: 16641, sbPort: 16642 } };
    expect(remoteList(custom, 'sb')).toBe('tcp:10.0.0.10:16642');
    expect(listenTarget(custom, 'nb')).toBe('ptcp:16641');
    expect(clientEndpoints(custom, 'nb')).toEqual([{ scheme: 'tcp', address: '10.0.0.10', port: 16641 }]);
  });

  it("puts RAFT on OVN's default cluster ports, apart from the client ports", () => {
    const inv = guideInventory();
    expect(remote(raftEndpoint(inv, inv.hosts[0], 'nb'))).toBe('tcp:10.0.0.10:6643');
    expect(remote(raftEndpoint(inv, inv.hosts[0], 'sb'))).toBe('tcp:10.0.0.10:6644');
  });
});

describe('endpoints', () => {
  it('spells one endpoint the three ways OVN reads it', () => {
    const e = { scheme: 'ssl' as const, address: '10.0.0.10', port: 6642 };
    expect(remote(e)).toBe('ssl:10.0.0.10:6642');
    expect(url(e)).toBe('ssl://10.0.0.10:6642');
    expect(passive('ssl', 6642)).toBe('pssl:6642');
  });

  it('recognises a listening target with or without a bind address, and only on its port', () => {
    expect(listensOn('ptcp:6641', 'tcp', 6641)).toBe(true);
    expect(listensOn('ptcp:6641:0.0.0.0', 'tcp', 6641)).toBe(true);
    expect(listensOn('ptcp:66410', 'tcp', 6641)).toBe(false);
    expect(listensOn('pssl:6641', 'tcp', 6641)).toBe(false);
  });

  it('reads the Connection table as both clients print it', () => {
    expect(parseConnectionTargets('read-write role="" ptcp:6642\n')).toEqual(['ptcp:6642']);
    expect(parseConnectionTargets('pssl:6641\nptcp:6641:127.0.0.1\n')).toEqual(['pssl:6641', 'ptcp:6641:127.0.0.1']);
  });
});

describe('dbctl', () => {
  it('writes with the long timeout and reads with the short one', () => {
    expect(ctl('nb', ['set-connection', 'ptcp:6641']).script).toBe(
      `ovn-nbctl --timeout=${TIMEOUT.write} set-connection ptcp:6641`,
    );
    expect(ctlRead('vswitch', ['list-br']).script).toBe(`ovs-vsctl --timeout=${TIMEOUT.read} list-br`);
  });

  it('puts the global options before the command, in the order the clients document', () => {
    const c = ctlRead('sb', ['find', 'Chassis', 'name=n1'], {
      db: 'tcp:10.0.0.10:6642',
      json: true,
      columns: ['name'],
    });
    expect(c.script).toBe(
      'ovn-sbctl --db=tcp:10.0.0.10:6642 --timeout=5 --format=json --columns=name find Chassis name=n1',
    );
  });

  it('quotes every argument for POSIX sh, and leaves a shell word alone only when asked', () => {
    const c = ctl('vswitch', ['set', 'Open_vSwitch', '.', 'external_ids:x="a b; rm -rf /"']);
    expect(c.script).toBe(`ovs-vsctl --timeout=10 set Open_vSwitch . 'external_ids:x="a b; rm -rf /"'`);
    expect(ctl('sb', ['show'], { db: "it's" }).script).toBe(`ovn-sbctl --db='it'\\''s' --timeout=10 show`);
    expect(ctl('sb', ['show'], { db: raw('"$db"') }).script).toBe('ovn-sbctl --db="$db" --timeout=10 show');
  });

  it("reaches a daemon's control socket through its table entry", () => {
    expect(appctl(DAEMONS.ovnnb_db.ctl, ['cluster/status', 'OVN_Northbound']).script).toBe(
      'ovs-appctl --timeout=5 -t /var/run/ovn/ovnnb_db.ctl cluster/status OVN_Northbound',
    );
  });
});

describe('the daemon table', () => {
  it('gives every daemon a pidfile, a log and a control target, and every service its daemons', () => {
    for (const d of DAEMON_NAMES) {
      expect(DAEMONS[d].pidfiles.length).toBeGreaterThan(0);
      expect(DAEMONS[d].log).toMatch(/^\/var\/log\//);
      expect(DAEMONS[d].ctl).not.toBe('');
    }
    expect(SERVICE_NAMES.flatMap(daemonsOf).sort()).toEqual([...DAEMON_NAMES].sort());
    expect(daemonsOf('ovn-central')).toEqual(['ovnnb_db', 'ovnsb_db', 'ovn-northd']);
  });
});
