// ovnkube with TLS: ssl:// NB and SB addresses and the guide's six client certificate flags, on the
// master and the node, after the addresses; nothing of the sort in plaintext.
import { describe, expect, it } from 'vitest';
import { displayArg, ovnkubeArgs, revealArg } from '../../src/operations/ovnkube-flags.js';
import { guideInventory, threeMasterInventory } from '../helpers/inventory.js';

const TLS = { enabled: true, caDir: '/tmp/pki', renewDays: 30 };
const SIX = [
  '-nb-client-privkey=/etc/ovn/ovnctl-privkey.pem',
  '-nb-client-cert=/etc/ovn/ovnctl-cert.pem',
  '-nb-client-cacert=/etc/ovn/ovnctl-cacert.pem',
  '-sb-client-privkey=/etc/ovn/ovnctl-privkey.pem',
  '-sb-client-cert=/etc/ovn/ovnctl-cert.pem',
  '-sb-client-cacert=/etc/ovn/ovnctl-cacert.pem',
];

describe('ovnkube flags with tls.enabled', () => {
  const inv = guideInventory({ tls: TLS });
  const [m1, n1] = inv.hosts;

  it('the master: ssl:// addresses followed by the six flags', () => {
    const args = ovnkubeArgs(m1, inv).map(revealArg);
    const i = args.indexOf('-nb-address=ssl://10.0.0.10:6641');
    expect(i).toBeGreaterThan(-1);
    expect(args.slice(i, i + 8)).toEqual([
      '-nb-address=ssl://10.0.0.10:6641',
      '-sb-address=ssl://10.0.0.10:6642',
      ...SIX,
    ]);
  });

  it('a node: the same, the token after them, still masked in the display', () => {
    const args = ovnkubeArgs(n1, inv);
    const revealed = args.map(revealArg);
    const i = revealed.indexOf('-nb-address=ssl://10.0.0.10:6641');
    expect(revealed.slice(i, i + 9)).toEqual([
      '-nb-address=ssl://10.0.0.10:6641',
      '-sb-address=ssl://10.0.0.10:6642',
      ...SIX,
      '-k8s-token=s3cr3t-t0ken',
    ]);
    const shown = args.map(displayArg).join(' ');
    expect(shown).toContain('-k8s-token=********');
    expect(shown).not.toContain('s3cr3t-t0ken');
  });

  it('three masters: every master over ssl://, each flag once', () => {
    const three = threeMasterInventory({ tls: TLS });
    const args = ovnkubeArgs(three.hosts[3], three).map(revealArg);
    expect(args).toContain('-nb-address=ssl://10.0.0.1:6641,ssl://10.0.0.2:6641,ssl://10.0.0.3:6641');
    expect(args).toContain('-sb-address=ssl://10.0.0.1:6642,ssl://10.0.0.2:6642,ssl://10.0.0.3:6642');
    for (const f of SIX) expect(args.filter((a) => a === f)).toHaveLength(1);
  });

  it('no tcp:// left anywhere', () => {
    for (const h of inv.hosts) expect(ovnkubeArgs(h, inv).map(revealArg).join(' ')).not.toContain('tcp://');
  });
});

describe('ovnkube flags without TLS', () => {
  it('tcp:// and no client certificate flags', () => {
    const inv = guideInventory();
    for (const h of inv.hosts) {
      const args = ovnkubeArgs(h, inv).map(revealArg).join(' ');
      expect(args).not.toMatch(/-client-(privkey|cert|cacert)=/);
      expect(args).not.toContain('ssl://');
    }
  });
});
