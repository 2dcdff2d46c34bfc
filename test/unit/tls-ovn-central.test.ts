// ovn_central with TLS: the servers run with the key, certificate and CA files. One master: servers that
// run without them (plaintext before) are stopped and started with the six TLS options; turning TLS off
// restarts them without. Three masters: the same restart for the servers, and a northd whose remotes are
// not the TLS ones is restarted alone.
import { describe, expect, it } from 'vitest';
import { centralDefaultsText, centralOptions } from '../../src/ovn/central-options.js';
import { ovnCentral } from '../../src/operations/ovn-central.js';
import { guideInventory, threeMasterInventory } from '../helpers/inventory.js';
import { planWith, scripts } from '../helpers/plan.js';

const TLS = { enabled: true, caDir: '/tmp/pki', renewDays: 30 };
const KEY = '/etc/ovn/ovnctl-privkey.pem';
const CTL = '/usr/share/ovn/scripts/ovn-ctl';
const DAEMONS_KEY = 'process.daemons:ovn-northd,ovnnb_db,ovnsb_db';
const OPTIONS_KEY = 'process.options:ovn-northd,ovnnb_db,ovnsb_db:--ovnnb-db,--ovnsb-db,--private-key';
const SIX = [
  `--ovn-nb-db-ssl-key=${KEY}`,
  '--ovn-nb-db-ssl-cert=/etc/ovn/ovnctl-cert.pem',
  '--ovn-nb-db-ssl-ca-cert=/etc/ovn/ovnctl-cacert.pem',
  `--ovn-sb-db-ssl-key=${KEY}`,
  '--ovn-sb-db-ssl-cert=/etc/ovn/ovnctl-cert.pem',
  '--ovn-sb-db-ssl-ca-cert=/etc/ovn/ovnctl-cacert.pem',
].join(' ');
const allAlive = { 'ovn-northd': true, ovnnb_db: true, ovnsb_db: true };
const noneAlive = { 'ovn-northd': false, ovnnb_db: false, ovnsb_db: false };

type Opts = Record<string, string>;
/** What /proc/<pid>/cmdline of each running daemon holds of the options asked (null: not running). */
function running(alive: Record<string, boolean>, servers: Opts, northd: Opts = {}) {
  return {
    'ovn-northd': alive['ovn-northd'] ? northd : null,
    ovnnb_db: alive.ovnnb_db ? servers : null,
    ovnsb_db: alive.ovnsb_db ? servers : null,
  };
}
const withKey = { '--private-key': KEY };

function oneMaster(alive: Record<string, boolean>, servers: Opts, extra: Record<string, unknown> = {}) {
  return {
    'os.systemd': false,
    [DAEMONS_KEY]: alive,
    'ovn.ctl-path': CTL,
    [OPTIONS_KEY]: running(alive, servers),
    'file.content:/etc/default/ovn-central': null,
    ...extra,
  };
}

describe('ovn_central, one master, tls.enabled', () => {
  const inv = guideInventory({ tls: TLS });

  it('servers running without --private-key (plaintext): stop, then start_northd with the six options', async () => {
    const p = await planWith(ovnCentral, {}, oneMaster(allAlive, {}), inv);
    expect(scripts(p)).toEqual([`${CTL} stop_northd`, `${CTL} start_northd ${SIX}`]);
    expect(p.msg).toContain('restart ovn-central with TLS');
  });

  it('servers running with the key file: no change', async () => {
    const p = await planWith(ovnCentral, {}, oneMaster(allAlive, withKey), inv);
    expect(p.commands).toEqual([]);
  });

  it('nothing running: start_northd with the six options, no stop', async () => {
    const p = await planWith(ovnCentral, {}, oneMaster(noneAlive, {}), inv);
    expect(scripts(p)).toEqual([`${CTL} start_northd ${SIX}`]);
  });

  it("servers on ovn-ctl's plaintext default --private-key=db:…: restarted with TLS", async () => {
    const dbKey = { '--private-key': 'db:OVN_Northbound,SSL,private_key' };
    const p = await planWith(ovnCentral, {}, oneMaster(allAlive, dbKey), inv);
    expect(scripts(p)).toEqual([`${CTL} stop_northd`, `${CTL} start_northd ${SIX}`]);
    // And with TLS off, that is plaintext as wanted: nothing.
    expect((await planWith(ovnCentral, {}, oneMaster(allAlive, dbKey), guideInventory())).commands).toEqual([]);
  });

  it('one server running with another key file: restarted with ovnctl files', async () => {
    const p = await planWith(ovnCentral, {}, oneMaster(allAlive, { '--private-key': '/etc/ovn/other.pem' }), inv);
    expect(scripts(p)).toEqual([`${CTL} stop_northd`, `${CTL} start_northd ${SIX}`]);
  });

  it('under systemd: the six options go to /etc/default/ovn-central, and the units restart', async () => {
    const p = await planWith(ovnCentral, {}, oneMaster(allAlive, {}, { 'os.systemd': true }), inv);
    const s = scripts(p);
    expect(s[0]).toBe('systemctl stop ovn-central ovn-northd ovn-ovsdb-server-nb ovn-ovsdb-server-sb');
    const upload = p.commands.find((c) => c.script.includes('/etc/default/ovn-central'));
    expect(upload?.stdin?.toString('utf8')).toContain(`OVN_CTL_OPTS="${SIX}"`);
    expect(s.at(-1)).toBe(
      'systemctl enable ovn-central && ' +
        'systemctl restart ovn-central ovn-northd ovn-ovsdb-server-nb ovn-ovsdb-server-sb',
    );
    // Rerun with the file written and the servers on TLS: nothing.
    const done = oneMaster(allAlive, withKey, {
      'os.systemd': true,
      'file.content:/etc/default/ovn-central': centralDefaultsText(inv, inv.hosts[0]),
    });
    expect((await planWith(ovnCentral, {}, done, inv)).commands).toEqual([]);
  });

  it('stopped: stops as the service module does', async () => {
    const p = await planWith(ovnCentral, { state: 'stopped' }, oneMaster(allAlive, withKey), inv);
    expect(scripts(p)).toEqual([`${CTL} stop_northd`]);
  });
});

describe('ovn_central, one master, TLS turned off', () => {
  const inv = guideInventory();

  it('servers still running with the key: restarted without options', async () => {
    const p = await planWith(ovnCentral, {}, oneMaster(allAlive, withKey), inv);
    expect(scripts(p).map((s) => s.trimEnd())).toEqual([`${CTL} stop_northd`, `${CTL} start_northd`]);
    expect(p.msg).toContain('without TLS');
  });

  it('servers in plaintext: no change, the service module decides', async () => {
    expect((await planWith(ovnCentral, {}, oneMaster(allAlive, {}), inv)).commands).toEqual([]);
  });
});

// Three masters: the facts of a healthy running member at its RAFT address.
function member(address: string, servers: string[]): string {
  const list = servers.map((a, i) => `    a00${i} (a00${i} at ${a})${a === address ? ' (self)' : ''}`).join('\n');
  return (
    'exists=1\nclustered=1\ncid=f81b23ef-e80b-4c06-90d1-954d7090b643\n--- cluster/status\n' +
    'Cluster ID: f81b (f81b23ef-e80b-4c06-90d1-954d7090b643)\n' +
    'Server ID: bbb3 (bbb38122-15a1-42ca-a907-7f1da60247f6)\n' +
    `Address: ${address}\nStatus: cluster member\nRole: follower\nTerm: 2\nLeader: a000\n` +
    `Election timer: 1000\nConnections: \nServers:\n${list}\n`
  );
}
const raft = (proto: string, port: number) => [1, 2, 3].map((i) => `${proto}:10.0.0.${i}:${port}`);

function threeMasters(proto: string, servers: Opts, northd: Opts) {
  return {
    'os.systemd': false,
    [DAEMONS_KEY]: allAlive,
    'ovn.ctl-path': CTL,
    'ovn.cluster:nb': { raw: member(raft(proto, 6643)[1], raft(proto, 6643)) },
    'ovn.cluster:sb': { raw: member(raft(proto, 6644)[1], raft(proto, 6644)) },
    [OPTIONS_KEY]: running(allAlive, servers, northd),
    'file.content:/etc/default/ovn-central': null,
  };
}

describe('ovn_central, three masters, tls.enabled', () => {
  const inv = threeMasterInventory({ tls: TLS });
  const m2 = inv.hosts[1];
  const northdTls = {
    '--ovnnb-db': 'ssl:10.0.0.1:6641,ssl:10.0.0.2:6641,ssl:10.0.0.3:6641',
    '--ovnsb-db': 'ssl:10.0.0.1:16642,ssl:10.0.0.2:16642,ssl:10.0.0.3:16642',
    ...withKey,
  };

  it('a member running on TLS with northd on the TLS remotes: no change', async () => {
    const p = await planWith(ovnCentral, {}, threeMasters('ssl', withKey, northdTls), inv, m2);
    expect(p.commands).toEqual([]);
  });

  it('northd on the plaintext remotes (servers on TLS): northd alone restarts, with the options', async () => {
    const plainNorthd = {
      '--ovnnb-db': 'tcp:10.0.0.1:6641,tcp:10.0.0.2:6641,tcp:10.0.0.3:6641',
      '--ovnsb-db': 'tcp:10.0.0.1:6642,tcp:10.0.0.2:6642,tcp:10.0.0.3:6642',
    };
    const p = await planWith(ovnCentral, {}, threeMasters('ssl', withKey, plainNorthd), inv, m2);
    expect(scripts(p)).toEqual([
      `${CTL} --ovn-manage-ovsdb=no stop_northd`,
      `${CTL} start_northd ${centralOptions(inv, m2).join(' ')}`,
    ]);
  });

  it('servers running without the key: stop, then start with every option', async () => {
    const p = await planWith(ovnCentral, {}, threeMasters('ssl', {}, northdTls), inv, m2);
    expect(scripts(p)).toEqual([`${CTL} stop_northd`, `${CTL} start_northd ${centralOptions(inv, m2).join(' ')}`]);
  });

  // Issue 15: "turning TLS on for a running plaintext cluster (and off again) migrates without losing a
  // chassis or a logical switch". A running RAFT member at tcp:… must not be told to move its database aside.
  it('a running plaintext RAFT member, TLS on: a migration, not a "move the file aside" failure', async () => {
    const plainNorthd = {
      '--ovnnb-db': 'tcp:10.0.0.1:6641,tcp:10.0.0.2:6641,tcp:10.0.0.3:6641',
      '--ovnsb-db': 'tcp:10.0.0.1:6642,tcp:10.0.0.2:6642,tcp:10.0.0.3:6642',
    };
    const p = await planWith(ovnCentral, {}, threeMasters('tcp', {}, plainNorthd), inv, m2);
    expect(p.commands.length).toBeGreaterThan(0);
    expect(p.msg).toMatch(/TLS/);
    for (const s of scripts(p)) expect(s).not.toMatch(/other-cluster\.bak|rm -f \/var\/lib\/ovn/);
  });
});
