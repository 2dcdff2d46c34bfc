// `ovnctl uninstall`'s modules, planned from fixture facts: they remove only what is there, so a
// second uninstall plans nothing.
import { describe, expect, it } from 'vitest';
import { parseOvsConfOffline } from '../../../src/facts/uninstall.js';
import { OVNKUBE_ARGS_FILE, OVNKUBE_LAUNCHER, OVNKUBE_PIDFILE } from '../../../src/operations/ovnkube.js';
import { pip } from '../../../src/operations/pip.js';
import {
  ovnChassisAbsent,
  ovnkubeAbsent,
  ovnkubePaths,
  ovsOvnConfigAbsent,
  pathsAbsent,
} from '../../../src/operations/uninstall.js';
import { guideInventory } from '../../helpers/inventory.js';
import { planWith, scripts } from '../../helpers/plan.js';

const inv = guideInventory();
const n1 = inv.hosts[1];
const SB = 'tcp:10.0.0.10:6642';

describe('ovnkube_absent', () => {
  const paths = [
    OVNKUBE_ARGS_FILE,
    OVNKUBE_LAUNCHER,
    '/etc/systemd/system/ovnkube.service',
    OVNKUBE_PIDFILE,
    '/etc/ovnctl',
    '/usr/local/lib/ovnctl',
    '/etc/ovnctl/kubeconfig',
    '/etc/ovnctl/k8s-ca.crt',
    '/var/log/openvswitch/ovnkube.log',
    '/var/log/openvswitch/ovnkube.log.*',
  ];
  // ovnkube's log holds the token from -loglevel=5.
  it("names ovnctl's files (an uploaded kubeconfig too) and ovnkube's log with its rotated copies", () => {
    expect([...ovnkubePaths(inv.ovnkube)].sort()).toEqual([...paths].sort());
  });
  const pathsKey = `paths.present:${paths.sort().join(',')}`;
  const facts = (procs: string, paths: string, systemd = false) => ({
    'os.systemd': systemd,
    'process.of:/usr/bin/ovnkube': { raw: procs },
    [pathsKey]: { raw: paths },
  });
  const installed =
    `file ${OVNKUBE_ARGS_FILE}\nfile ${OVNKUBE_LAUNCHER}\nfile ${OVNKUBE_PIDFILE}\n` +
    'dir /etc/ovnctl\ndir /usr/local/lib/ovnctl\n';
  it('stops the process, then removes its files and the directories they emptied', async () => {
    const plan = await planWith(ovnkubeAbsent, {}, facts('4242 abc\n', installed), inv, n1);
    const s = scripts(plan);
    expect(s[0]).toMatch(/^kill 4242 .*kill -9 4242/);
    expect(s[1]).toBe(`rm -f ${OVNKUBE_ARGS_FILE} ${OVNKUBE_LAUNCHER} ${OVNKUBE_PIDFILE}`);
    expect(s[2]).toBe('rmdir --ignore-fail-on-non-empty /etc/ovnctl /usr/local/lib/ovnctl');
  });
  it('disables the unit under systemd', async () => {
    const plan = await planWith(
      ovnkubeAbsent,
      {},
      facts('', `file /etc/systemd/system/ovnkube.service\n`, true),
      inv,
      n1,
    );
    expect(scripts(plan)).toEqual([
      'systemctl disable --now ovnkube',
      'rm -f /etc/systemd/system/ovnkube.service',
      'systemctl daemon-reload',
    ]);
  });
  it('leaves a directory that holds someone else’s files, and plans nothing a second time', async () => {
    expect((await planWith(ovnkubeAbsent, {}, facts('', 'dir /etc/ovnctl\n'), inv, n1)).commands).toEqual([]);
    expect((await planWith(ovnkubeAbsent, {}, facts('', ''), inv, n1)).commands).toEqual([]);
  });
  it('removes the binary only when ovnctl uploaded it', async () => {
    const up = guideInventory({ ovnkube: { ...inv.ovnkube, upload: './bin/ovnkube' } });
    const key = `paths.present:${[...paths, '/usr/bin/ovnkube'].sort().join(',')}`;
    const plan = await planWith(
      ovnkubeAbsent,
      {},
      { 'os.systemd': false, 'process.of:/usr/bin/ovnkube': { raw: '' }, [key]: { raw: 'file /usr/bin/ovnkube\n' } },
      up,
      n1,
    );
    expect(scripts(plan)).toEqual(['rm -f /usr/bin/ovnkube']);
  });
});

describe('ovn_chassis_absent', () => {
  const key = `ovn.sb-chassis:${SB}:n1`;
  const sb = (chassis: string) => ({
    raw: `{"data":${chassis},"headings":["name"]}\n{"data":[],"headings":["type","ip"]}\n`,
  });
  it('deletes the chassis when SB has it', async () => {
    expect(
      scripts(await planWith(ovnChassisAbsent, { remote: SB, name: 'n1' }, { [key]: sb('[["n1"]]') }, inv, n1)),
    ).toEqual(['ovn-sbctl --db=tcp:10.0.0.10:6642 --timeout=10 --if-exists chassis-del n1']);
  });
  it('does nothing when it is gone', async () => {
    expect(
      (await planWith(ovnChassisAbsent, { remote: SB, name: 'n1' }, { [key]: sb('[]') }, inv, n1)).commands,
    ).toEqual([]);
  });
  it('skips, saying how to delete it later, when SB does not answer', async () => {
    const plan = await planWith(
      ovnChassisAbsent,
      { remote: SB, name: 'n1' },
      { [key]: { raw: 'ovn-sbctl: database connection failed (Connection refused)', rc: 1 } },
      inv,
      n1,
    );
    expect(plan.skip).toMatch(
      /does not answer .*ovn-sbctl --db=tcp:10.0.0.10:6642 --timeout=10 --if-exists chassis-del n1/,
    );
  });
});

describe('ovs_ovn_config_absent', () => {
  const offline = (text: string) => ({ 'ovs.conf-offline': { raw: text } });
  const ids = '{hostname=n1, ovn-encap-ip="10.0.0.11", ovn-remote="tcp:10.0.0.10:6642", system-id=n1}';
  it('deletes br-int and the ovn-* ids through ovsdb-server in one transaction, keeping system-id', async () => {
    const plan = await planWith(
      ovsOvnConfigAbsent,
      {},
      // Both read by one ovs-vsctl (get external_ids -- get-ssl -- list-br): the map, then the bridges.
      { 'ovs.bridges': { raw: `${ids}\nbr-int\n` }, 'ovs.external-ids': { raw: ids }, ...offline('absent') },
      inv,
      n1,
    );
    expect(scripts(plan)).toEqual([
      'ovs-vsctl --timeout=10 --if-exists del-br br-int -- remove Open_vSwitch . external_ids ovn-encap-ip ovn-remote',
    ]);
  });
  it('plans nothing when both are gone', async () => {
    const plan = await planWith(
      ovsOvnConfigAbsent,
      {},
      {
        'ovs.bridges': { raw: '{hostname=n1, system-id=n1}\n' },
        'ovs.external-ids': { raw: '{hostname=n1, system-id=n1}' },
        ...offline('absent'),
      },
      inv,
      n1,
    );
    expect(plan.commands).toEqual([]);
  });
  const stoppedDb =
    '[{"rows":[{"_uuid":["uuid","dccc4bc1-2eaf-4371-bf85-25ae87cddfdd"],"name":"br-int"}]},' +
    '{"rows":[{"external_ids":["map",[["hostname","n1"],["ovn-encap-ip","10.0.0.11"],["system-id","n1"]]]}]}]';
  it('edits conf.db offline when Open vSwitch is stopped', async () => {
    const down = { 'ovs.bridges': { raw: '', rc: 1 }, 'ovs.external-ids': { raw: '', rc: 1 } };
    const plan = await planWith(ovsOvnConfigAbsent, {}, { ...down, ...offline(stoppedDb) }, inv, n1);
    expect(scripts(plan)).toEqual([
      'ovsdb-tool transact /etc/openvswitch/conf.db ' +
        `'["Open_vSwitch",{"op":"mutate","table":"Open_vSwitch","where":[],` +
        `"mutations":[["bridges","delete",["uuid","dccc4bc1-2eaf-4371-bf85-25ae87cddfdd"]],` +
        `["external_ids","delete",["set",["ovn-encap-ip"]]]]}]'`,
    ]);
    const clean = '[{"rows":[]},{"rows":[{"external_ids":["map",[["system-id","n1"]]]}]}]';
    expect((await planWith(ovsOvnConfigAbsent, {}, { ...down, ...offline(clean) }, inv, n1)).commands).toEqual([]);
    expect((await planWith(ovsOvnConfigAbsent, {}, { ...down, ...offline('absent\n') }, inv, n1)).commands).toEqual([]);
  });
  it('reads ovsdb-tool query output', () => {
    expect(parseOvsConfOffline(stoppedDb, 0)).toEqual({
      exists: true,
      bridges: [{ name: 'br-int', uuid: 'dccc4bc1-2eaf-4371-bf85-25ae87cddfdd' }],
      externalIds: { hostname: 'n1', 'ovn-encap-ip': '10.0.0.11', 'system-id': 'n1' },
    });
  });
});

describe('paths_absent', () => {
  const args = { paths: ['/var/lib/ovn/ovn*_db.db', '/var/lib/ovnctl/apt-sources.sha256'], dirs: ['/var/lib/ovnctl'] };
  const key = `paths.present:${[...args.paths, ...args.dirs].sort().join(',')}`;
  it('removes the files that exist and the directory they empty', async () => {
    const plan = await planWith(
      pathsAbsent,
      args,
      {
        [key]: { raw: 'file /var/lib/ovn/ovnnb_db.db\nfile /var/lib/ovnctl/apt-sources.sha256\ndir /var/lib/ovnctl\n' },
      },
      inv,
      n1,
    );
    expect(scripts(plan)).toEqual([
      'rm -f /var/lib/ovn/ovnnb_db.db /var/lib/ovnctl/apt-sources.sha256',
      'rmdir --ignore-fail-on-non-empty /var/lib/ovnctl',
    ]);
  });
  it('plans nothing when nothing matches (an unmatched glob lists nothing)', async () => {
    expect((await planWith(pathsAbsent, args, { [key]: { raw: '' } }, inv, n1)).commands).toEqual([]);
  });
  it('refuses patterns with shell syntax', () => {
    expect(() => pathsAbsent.args.parse({ paths: ['/tmp/$(reboot)'] })).toThrow();
    expect(() => pathsAbsent.args.parse({ paths: ['/tmp/a b'] })).toThrow();
  });
});

describe('pip state: absent', () => {
  it('uninstalls only what pip has', async () => {
    const plan = await planWith(
      pip,
      { packages: ['ovs'], state: 'absent' },
      { 'pip.installed:ovs': { raw: 'ovs==2.17.0\n' } },
      inv,
      n1,
    );
    expect(scripts(plan)).toEqual(['python3 -m pip uninstall -y -q --disable-pip-version-check ovs']);
    expect(
      (
        await planWith(
          pip,
          { packages: ['ovs'], state: 'absent' },
          { 'pip.installed:ovs': { raw: 'six==1.0\n' } },
          inv,
          n1,
        )
      ).commands,
    ).toEqual([]);
  });
});

describe('playbooks/uninstall.yaml', () => {
  it('loads for the guide inventory; packages are purged only with purge', async () => {
    const { loadPlaybook } = await import('../../../src/playbook/load.js');
    const { bundledPlaybook } = await import('../../../src/cli/paths.js');
    for (const purge of [false, true]) {
      const pb = loadPlaybook(bundledPlaybook('uninstall'), inv, {
        selected: inv.hosts,
        extraVars: purge ? { purge: true } : {},
      });
      const apt = pb.plays.flatMap((p) => p.tasks).find((t) => t.module.name === 'apt')!;
      expect([...apt.prepared.values()].every((p) => p.run === purge)).toBe(true);
    }
  });
});
