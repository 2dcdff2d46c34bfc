// ovs_ssl: the SSL row of the local Open_vSwitch database that ovn-controller reads for its ssl: remote.
// present sets ovnctl's files; absent removes only ovnctl's row, never one a user set for something else.
import { describe, expect, it } from 'vitest';
import { ovsBridges, ovsExternalIds } from '../../src/facts/ovs.js';
import { ovsSsl } from '../../src/facts/tls.js';
import { ovsSslModule } from '../../src/operations/tls.js';
import { guideInventory } from '../helpers/inventory.js';
import { planWith, scripts } from '../helpers/plan.js';

const inv = guideInventory({ tls: { enabled: true, caDir: '/tmp/pki', renewDays: 30 } });
const n1 = inv.hosts[1];
const OURS =
  'Private key: /etc/ovn/ovnctl-privkey.pem\nCertificate: /etc/ovn/ovnctl-cert.pem\n' +
  'CA Certificate: /etc/ovn/ovnctl-cacert.pem\nBootstrap: false\n';
const FOREIGN =
  'Private key: /etc/openvswitch/sc-privkey.pem\nCertificate: /etc/openvswitch/sc-cert.pem\n' +
  'CA Certificate: /var/lib/openvswitch/pki/switchca/cacert.pem\nBootstrap: false\n';
const SET =
  'ovs-vsctl --timeout=10 set-ssl /etc/ovn/ovnctl-privkey.pem /etc/ovn/ovnctl-cert.pem /etc/ovn/ovnctl-cacert.pem';
// What the batch's one ovs-vsctl prints (facts/ovs.ts localRecord): the external_ids map, get-ssl's lines
// (none without a row), the bridges.
const RECORD = '{hostname=n1, ovn-encap-ip="10.0.0.11", system-id=n1}\n';
const plan = (state: 'present' | 'absent', ssl: string, rc = 0) =>
  planWith(ovsSslModule, { state }, { 'ovs.ssl': { raw: `${RECORD}${ssl}br-int\n`, rc } }, inv, n1);

describe('the ovs.ssl fact', () => {
  it('reads the three files of `ovs-vsctl get-ssl`; no row (empty output) or a failed client is null', () => {
    expect(ovsSsl.parse(RECORD + OURS, 0)).toEqual({
      privateKey: '/etc/ovn/ovnctl-privkey.pem',
      certificate: '/etc/ovn/ovnctl-cert.pem',
      caCert: '/etc/ovn/ovnctl-cacert.pem',
    });
    expect(ovsSsl.parse(`${RECORD}br-int\n`, 0)).toBeNull();
    expect(ovsSsl.parse('', 1)).toBeNull();
  });

  it('is read with the external_ids and the bridges in one ovs-vsctl; each fact picks its own part', () => {
    expect(ovsSsl.command).toBe('ovs-vsctl --timeout=5 get Open_vSwitch . external_ids -- get-ssl -- list-br');
    expect(ovsExternalIds.command).toBe(ovsSsl.command);
    expect(ovsBridges.command).toBe(ovsSsl.command);
    const all = `${RECORD}${OURS}br-ex\nbr-int\n`;
    expect(ovsSsl.parse(all, 0)?.certificate).toBe('/etc/ovn/ovnctl-cert.pem');
    expect(ovsExternalIds.parse(all, 0)).toEqual({ hostname: 'n1', 'ovn-encap-ip': '10.0.0.11', 'system-id': 'n1' });
    expect(ovsBridges.parse(all, 0)).toEqual(['br-ex', 'br-int']);
    expect(ovsBridges.parse(`${RECORD}br-int\n`, 0)).toEqual(['br-int']);
    expect(ovsBridges.parse('{}\n', 0)).toEqual([]);
    expect(ovsExternalIds.parse('{}\n', 0)).toEqual({});
    expect(ovsExternalIds.parse('', 1)).toBeNull();
  });

  it('an ovs-vsctl that ran out of its own --timeout (SIGALRM) fails every fact: the record is not known', () => {
    for (const f of [ovsExternalIds, ovsSsl, ovsBridges]) {
      expect(() => f.parse('', 142)).toThrow(/ovs-vsctl did not answer within 5 s .*not known/);
    }
  });
});

describe('ovs_ssl', () => {
  it('present without a row: set-ssl with the key, certificate and CA of ovnctl', async () => {
    const p = await plan('present', '');
    expect(scripts(p)).toEqual([SET]);
  });
  it('present with ovnctl row: no change', async () => {
    expect((await plan('present', OURS)).commands).toEqual([]);
  });
  it("present with another row: replaced by ovnctl's", async () => {
    expect(scripts(await plan('present', FOREIGN))).toEqual([SET]);
  });
  it('present with one of the three files different: set again', async () => {
    const p = await plan('present', OURS.replace('ovnctl-cacert.pem', 'other-ca.pem'));
    expect(scripts(p)).toEqual([SET]);
  });
  it("absent with ovnctl's row: del-ssl", async () => {
    expect(scripts(await plan('absent', OURS))).toEqual(['ovs-vsctl --timeout=10 del-ssl']);
  });
  it('absent leaves a foreign SSL row alone, and no row at all too', async () => {
    expect((await plan('absent', FOREIGN)).commands).toEqual([]);
    expect((await plan('absent', '')).commands).toEqual([]);
  });
  it('state defaults to present', async () => {
    const p = await planWith(ovsSslModule, {}, { 'ovs.ssl': { raw: '' } }, inv, n1);
    expect(scripts(p)).toEqual([SET]);
  });
});
