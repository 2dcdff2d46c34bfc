// `verify --smoke`: the guide's CNI ADD/DEL, planned from fixture facts.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { smokeAddress, smokeLogical, smokePort, smokeScript } from '../../../src/operations/smoke.js';
import { guideInventory, host } from '../../helpers/inventory.js';
import { planWith, scripts } from '../../helpers/plan.js';

const inv = guideInventory();
const [m1, n1, n2] = inv.hosts;
const SB = 'tcp:10.0.0.10:6642';

describe('smoke addresses', () => {
  it('are fixed per node, in a never-routed range, with the MAC derived from the IP', () => {
    expect(smokeAddress(inv, 'n1')).toEqual({ ip: '198.18.0.1', mac: '0a:58:c6:12:00:01', cidr: '198.18.0.1/15' });
    expect(smokeAddress(inv, 'n2')).toEqual({ ip: '198.18.0.2', mac: '0a:58:c6:12:00:02', cidr: '198.18.0.2/15' });
  });
});

describe('smoke_logical', () => {
  it(
    'creates the switch and one port per node on the first master, ' + 'replacing leftovers in the same transaction',
    async () => {
      const plan = await planWith(smokeLogical, { state: 'present' }, { 'ovn.smoke-switch': { raw: '' } }, inv, m1);
      expect(scripts(plan)).toEqual([
        'ovn-nbctl --timeout=10 --if-exists ls-del ovnctl-smoke -- ls-add ovnctl-smoke' +
          ' -- lsp-add ovnctl-smoke ovnctl-smoke_n1' +
          " -- lsp-set-addresses ovnctl-smoke_n1 '0a:58:c6:12:00:01 198.18.0.1'" +
          ' -- lsp-add ovnctl-smoke ovnctl-smoke_n2' +
          " -- lsp-set-addresses ovnctl-smoke_n2 '0a:58:c6:12:00:02 198.18.0.2'",
      ]);
    },
  );
  it('plans on whichever master runs it: verify.yaml picks the first master (run_once and when)', async () => {
    const two = guideInventory({ hosts: [...inv.hosts, host('m2', '10.0.0.20', ['master'])] });
    // 2+ masters: the local server may be a RAFT follower, so it is asked as any member.
    const plan = await planWith(
      smokeLogical,
      { state: 'present' },
      { 'ovn.smoke-switch:any-member': { raw: '' } },
      two,
      two.hosts[3],
    );
    expect(plan.skip).toBeUndefined();
    expect(scripts(plan)[0]).toMatch(
      /^ovn-nbctl --no-leader-only --timeout=10 --if-exists ls-del ovnctl-smoke -- ls-add ovnctl-smoke /,
    );
  });
  it('removes the switch only when it is there', async () => {
    expect(
      scripts(
        await planWith(smokeLogical, { state: 'absent' }, { 'ovn.smoke-switch': { raw: 'ovnctl-smoke\n' } }, inv, m1),
      ),
    ).toEqual(['ovn-nbctl --timeout=10 --if-exists ls-del ovnctl-smoke']);
    expect(
      scripts(await planWith(smokeLogical, { state: 'absent' }, { 'ovn.smoke-switch': { raw: '\n' } }, inv, m1)),
    ).toEqual([]);
  });
  it('fails clearly when NB does not answer', async () => {
    await expect(
      planWith(smokeLogical, { state: 'present' }, { 'ovn.smoke-switch': { raw: '', rc: 1 } }, inv, m1),
    ).rejects.toThrow(/NB database does not answer on m1; look closer/);
  });
});

describe('smoke_port', () => {
  it('runs ADD, the bounded wait and DEL as one command that cleans up on any exit', async () => {
    const plan = await planWith(smokePort, { state: 'run', remote: SB }, { 'smoke.leftovers': { raw: '' } }, inv, n2);
    expect(plan.commands).toHaveLength(1);
    const s = plan.commands[0].script;
    expect(s).toContain('trap cleanup EXIT');
    // cleanup first: a run interrupted before left the same names
    expect(s.indexOf('\ncleanup\n')).toBeLessThan(s.indexOf('ip netns add'));
    expect(s).toContain('vsctl() { ovs-vsctl --timeout=10 "$@"; }');
    expect(s).toContain(
      'vsctl add-port br-int "$veth" -- set interface "$veth" external_ids:attached_mac="$mac" ' +
        'external_ids:iface-id="$port" external_ids:ip_address="$cidr"',
    );
    expect(s).toContain(
      'port=ovnctl-smoke_n2 mac=0a:58:c6:12:00:02 cidr=198.18.0.2/15 db=tcp:10.0.0.10:6642 chassis=n2 tries=150',
    );
    expect(s).toMatch(/vsctl del-port br-int "\$veth" && ip link del "\$veth" && ip netns del "\$ns"/);
    expect(plan.commands[0].display).toContain('iface-id ovnctl-smoke_n2');
  });
  it('is a valid POSIX sh script', () => {
    const s = smokeScript({ node: 'n1', remote: SB, ...smokeAddress(inv, 'n1'), timeoutS: 30 });
    expect(() => execFileSync('sh', ['-n', '-c', s])).not.toThrow();
  });
  it('needs the SB remote to run', () => {
    expect(() => smokePort.args.parse({ state: 'run' })).toThrow(/needs remote/);
  });
  it('removes whatever an interrupted run left, and nothing when nothing is left', async () => {
    const all = await planWith(
      smokePort,
      { state: 'absent' },
      { 'smoke.leftovers': { raw: 'netns\nlink\nport\n' } },
      inv,
      n1,
    );
    expect(scripts(all)).toEqual([
      'ovs-vsctl --timeout=10 --if-exists del-port ovnctl-smoke',
      'ip link del ovnctl-smoke 2>/dev/null || ! ip link show ovnctl-smoke >/dev/null 2>&1',
      'ip netns del ovnctl-smoke',
    ]);
    expect(
      (await planWith(smokePort, { state: 'absent' }, { 'smoke.leftovers': { raw: '' } }, inv, n1)).commands,
    ).toEqual([]);
  });
});
