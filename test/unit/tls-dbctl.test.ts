// Every ovn-nbctl/ovn-sbctl/ovsdb-client ovnctl runs over an ssl: remote carries the host's key,
// certificate and CA; a tcp: remote or the local socket carries none. Checked where users meet them:
// dbctl itself, the cluster-members query, verify's reads, uninstall's chassis-del and smoke's sb().
import { describe, expect, it } from 'vitest';
import { ovnDbMembers } from '../../src/facts/ovn-cluster.js';
import { ovnDbReachable, sbChassis } from '../../src/facts/verify.js';
import { ovnChassisAbsent } from '../../src/operations/uninstall.js';
import { smokeScript } from '../../src/operations/smoke.js';
import { ctl, ctlText, serverDatabaseQuery } from '../../src/ovn/dbctl.js';
import { isTlsRemote } from '../../src/ovn/tls.js';
import { raw } from '../../src/shell/command.js';
import { guideInventory } from '../helpers/inventory.js';
import { planWith, scripts } from '../helpers/plan.js';

const FLAGS =
  '--private-key=/etc/ovn/ovnctl-privkey.pem --certificate=/etc/ovn/ovnctl-cert.pem ' +
  '--ca-cert=/etc/ovn/ovnctl-cacert.pem';
const hasFlags = (s: string) => ['--private-key=', '--certificate=', '--ca-cert='].map((f) => s.includes(f));

describe('ctl', () => {
  it('an ssl: remote gets --private-key/--certificate/--ca-cert, before the command', () => {
    expect(ctl('sb', ['show'], { db: 'ssl:10.0.0.10:6642' }).script).toBe(
      `ovn-sbctl --db=ssl:10.0.0.10:6642 ${FLAGS} --timeout=10 show`,
    );
  });
  it('a list whose later remote is ssl: too', () => {
    expect(ctl('nb', ['show'], { db: 'ssl:10.0.0.1:6641,ssl:10.0.0.2:6641' }).script).toContain(FLAGS);
  });
  it('tcp: and the local socket: none', () => {
    expect(hasFlags(ctl('sb', ['show'], { db: 'tcp:10.0.0.10:6642' }).script)).toEqual([false, false, false]);
    expect(hasFlags(ctl('sb', ['show']).script)).toEqual([false, false, false]);
    expect(hasFlags(ctl('vswitch', ['show']).script)).toEqual([false, false, false]);
  });
  it('tls: true for a shell word holding the remote; tls: false wins over an ssl: remote', () => {
    expect(ctl('sb', ['show'], { db: raw('"$db"'), tls: true }).script).toBe(
      `ovn-sbctl --db="$db" ${FLAGS} --timeout=10 show`,
    );
    expect(ctl('sb', ['show'], { db: raw('"$db"') }).script).toBe('ovn-sbctl --db="$db" --timeout=10 show');
    expect(ctl('sb', ['show'], { db: 'ssl:10.0.0.10:6642', tls: false }).script).not.toContain('--private-key');
  });
  it('ctlText (reads, hints) the same, with the read timeout', () => {
    expect(ctlText('sb', ['show'], { db: 'ssl:10.0.0.10:6642' })).toBe(
      `ovn-sbctl --db=ssl:10.0.0.10:6642 ${FLAGS} --timeout=5 show`,
    );
  });
  it('isTlsRemote: ssl: anywhere in a list, never pssl: or tcp:', () => {
    expect(isTlsRemote('ssl:1.2.3.4:6642')).toBe(true);
    expect(isTlsRemote('tcp:1.2.3.4:6642,ssl:1.2.3.5:6642')).toBe(true);
    expect(isTlsRemote('tcp:1.2.3.4:6642')).toBe(false);
    expect(isTlsRemote('pssl:6642')).toBe(false);
  });
});

describe('serverDatabaseQuery (ovsdb-client)', () => {
  it('over ssl: the flags before query', () => {
    expect(serverDatabaseQuery('ssl:10.0.0.1:6641', 'OVN_Northbound').script).toMatch(
      new RegExp(`^ovsdb-client --timeout=5 ${FLAGS} query ssl:10\\.0\\.0\\.1:6641 `),
    );
  });
  it('over tcp: none', () => {
    expect(serverDatabaseQuery('tcp:10.0.0.1:6641', 'OVN_Northbound').script).toMatch(
      /^ovsdb-client --timeout=5 query tcp:10\.0\.0\.1:6641 /,
    );
  });
  it('the cluster-members fact asks each ssl: member with the flags', () => {
    const f = ovnDbMembers('sb', ['ssl:10.0.0.1:6642', 'ssl:10.0.0.2:6642']);
    expect(f.command.split(FLAGS)).toHaveLength(3);
  });
});

describe("ovnctl's own clients over ssl:", () => {
  it("verify's reachability and chassis reads", () => {
    expect(ovnDbReachable('sb', 'ssl:10.0.0.10:6642').command).toContain(FLAGS);
    expect(sbChassis('ssl:10.0.0.10:6642', 'n1').command.split(FLAGS)).toHaveLength(3);
    expect(ovnDbReachable('sb', 'tcp:10.0.0.10:6642').command).not.toContain('--private-key');
  });
  it("uninstall's chassis-del", async () => {
    const inv = guideInventory({ tls: { enabled: true, caDir: '/tmp/pki', renewDays: 30 } });
    const remote = 'ssl:10.0.0.10:6642';
    const reachable = {
      raw: '{"data":[[["uuid","x"]]],"headings":["name"]}\n{"data":[[["uuid","y"]]],"headings":["type","ip"]}\n',
    };
    const p = await planWith(
      ovnChassisAbsent,
      { remote, name: 'n1' },
      { [`ovn.sb-chassis:${remote}:n1`]: reachable },
      inv,
      inv.hosts[1],
    );
    expect(scripts(p)).toEqual([`ovn-sbctl --db=${remote} ${FLAGS} --timeout=10 --if-exists chassis-del n1`]);
  });
  it("smoke's sb() and its hints use the flags over ssl:, not over tcp:", () => {
    const o = { node: 'n1', ip: '10.10.10.11', mac: '0a:00:00:00:00:11', cidr: '10.10.10.0/24', timeoutS: 10 };
    const tls = smokeScript({ ...o, remote: 'ssl:10.0.0.10:6642' });
    expect(tls).toContain(`sb() { ovn-sbctl --db="$db" ${FLAGS} --timeout=5 "$@"; }`);
    expect(tls).toContain(`ovn-sbctl --db=$db ${FLAGS} --timeout=5 find Port_Binding`);
    const plain = smokeScript({ ...o, remote: 'tcp:10.0.0.10:6642' });
    expect(plain).toContain('sb() { ovn-sbctl --db="$db" --timeout=5 "$@"; }');
    expect(plain).not.toContain('--private-key');
  });
});
