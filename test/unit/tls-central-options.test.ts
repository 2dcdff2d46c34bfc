// centralOptions with TLS: one master gets only the servers' six key/certificate/CA file options; three
// masters get RAFT over ssl (remote-proto on joiners only), northd's own TLS files and ssl: remotes,
// with the SB remotes on northd's listener port.
import { describe, expect, it } from 'vitest';
import { centralDefaultsText, centralOptions, joinRemotes, localRaftAddress } from '../../src/ovn/central-options.js';
import { guideInventory, threeMasterInventory } from '../helpers/inventory.js';

const TLS = { enabled: true, caDir: '/tmp/pki', renewDays: 30 };
const SERVER_TLS = [
  '--ovn-nb-db-ssl-key=/etc/ovn/ovnctl-privkey.pem',
  '--ovn-nb-db-ssl-cert=/etc/ovn/ovnctl-cert.pem',
  '--ovn-nb-db-ssl-ca-cert=/etc/ovn/ovnctl-cacert.pem',
  '--ovn-sb-db-ssl-key=/etc/ovn/ovnctl-privkey.pem',
  '--ovn-sb-db-ssl-cert=/etc/ovn/ovnctl-cert.pem',
  '--ovn-sb-db-ssl-ca-cert=/etc/ovn/ovnctl-cacert.pem',
];
const NORTHD_TLS = [
  '--ovn-northd-ssl-key=/etc/ovn/ovnctl-privkey.pem',
  '--ovn-northd-ssl-cert=/etc/ovn/ovnctl-cert.pem',
  '--ovn-northd-ssl-ca-cert=/etc/ovn/ovnctl-cacert.pem',
];

describe('centralOptions, one master', () => {
  it('with TLS: exactly the six --ovn-{nb,sb}-db-ssl-* options', () => {
    const inv = guideInventory({ tls: TLS });
    expect(centralOptions(inv, inv.hosts[0])).toEqual(SERVER_TLS);
  });
  it('without TLS: none', () => {
    expect(centralOptions(guideInventory(), guideInventory().hosts[0])).toEqual([]);
  });
});

describe('centralOptions, three masters with TLS', () => {
  const inv = threeMasterInventory({ tls: TLS });
  const [m1, m2, m3] = inv.hosts;

  it('the bootstrap master: local proto ssl, no remote options, northd over ssl, the TLS files', () => {
    expect(centralOptions(inv, m1)).toEqual([
      '--db-nb-cluster-local-addr=10.0.0.1',
      '--db-nb-cluster-local-port=6643',
      '--db-nb-cluster-local-proto=ssl',
      '--db-sb-cluster-local-addr=10.0.0.1',
      '--db-sb-cluster-local-port=6644',
      '--db-sb-cluster-local-proto=ssl',
      '--ovn-northd-nb-db=ssl:10.0.0.1:6641,ssl:10.0.0.2:6641,ssl:10.0.0.3:6641',
      '--ovn-northd-sb-db=ssl:10.0.0.1:16642,ssl:10.0.0.2:16642,ssl:10.0.0.3:16642',
      ...SERVER_TLS,
      ...NORTHD_TLS,
    ]);
  });

  it('a joiner: the remote is the bootstrap master over ssl', () => {
    for (const m of [m2, m3]) {
      const o = centralOptions(inv, m);
      for (const db of ['nb', 'sb']) {
        expect(o).toContain(`--db-${db}-cluster-local-proto=ssl`);
        expect(o).toContain(`--db-${db}-cluster-remote-proto=ssl`);
        expect(o).toContain(`--db-${db}-cluster-remote-addr=10.0.0.1`);
      }
      expect(o).toContain(`--db-nb-cluster-local-addr=${m.address}`);
      expect(o.filter((x) => x.startsWith('--ovn-nb-db-ssl-') || x.startsWith('--ovn-sb-db-ssl-'))).toEqual(SERVER_TLS);
      expect(o.filter((x) => x.startsWith('--ovn-northd-ssl-'))).toEqual(NORTHD_TLS);
    }
    expect(centralOptions(inv, m1).some((x) => x.includes('remote-proto'))).toBe(false);
  });

  it('--ovn-northd-sb-db names every master on cluster.sbNorthdPort, --ovn-northd-nb-db the NB port', () => {
    const custom = { ...inv, cluster: { ...inv.cluster, sbNorthdPort: 26642, nbPort: 7641 } };
    const o = centralOptions(custom, m2);
    expect(o).toContain('--ovn-northd-sb-db=ssl:10.0.0.1:26642,ssl:10.0.0.2:26642,ssl:10.0.0.3:26642');
    expect(o).toContain('--ovn-northd-nb-db=ssl:10.0.0.1:7641,ssl:10.0.0.2:7641,ssl:10.0.0.3:7641');
  });

  it('RAFT addresses and join remotes are ssl:', () => {
    expect(localRaftAddress(inv, m2, 'nb')).toBe('ssl:10.0.0.2:6643');
    expect(joinRemotes(inv, m3, 'sb')).toEqual(['ssl:10.0.0.1:6644', 'ssl:10.0.0.2:6644']);
  });

  it('no plaintext option is left: no tcp: anywhere', () => {
    for (const m of [m1, m2, m3]) expect(centralOptions(inv, m).join(' ')).not.toMatch(/tcp:/);
  });

  it('OVN_CTL_OPTS for systemd carries them on one line', () => {
    const text = centralDefaultsText(inv, m2);
    const line = text.split('\n').find((l) => l.startsWith('OVN_CTL_OPTS='));
    expect(line).toBe(`OVN_CTL_OPTS="${centralOptions(inv, m2).join(' ')}"`);
    expect(line).toContain('--ovn-northd-ssl-ca-cert=/etc/ovn/ovnctl-cacert.pem');
  });
});

describe('centralOptions, three masters without TLS, unchanged', () => {
  it('no proto, no ssl files, tcp remotes on the SB client port', () => {
    const inv = threeMasterInventory();
    const o = centralOptions(inv, inv.hosts[1]);
    expect(o.join(' ')).not.toMatch(/proto|ssl/);
    expect(o).toContain('--ovn-northd-sb-db=tcp:10.0.0.1:6642,tcp:10.0.0.2:6642,tcp:10.0.0.3:6642');
  });
});
