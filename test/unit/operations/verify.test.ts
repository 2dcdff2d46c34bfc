// The checks of `ovnctl verify`, planned from fixture facts: healthy hosts give "ok" with no command,
// unhealthy ones a failure that names what is wrong and a command to look closer.
import { describe, expect, it } from 'vitest';
import { tcpListening } from '../../../src/facts/verify.js';
import { parseSbChassis } from '../../../src/ovn/output.js';
import {
  OVNKUBE_ARGS_FILE,
  OVNKUBE_LAUNCHER,
  OVNKUBE_LOGROTATE,
  expectedOvnkubeArgvSha,
  launcherScript,
  ovnkube,
  ovnkubeArgsText,
} from '../../../src/operations/ovnkube.js';
import { ovnkubeArgs, revealArg } from '../../../src/operations/ovnkube-flags.js';
import {
  verifyBridge,
  verifyChassis,
  verifyDaemons,
  verifyDbListening,
  verifyDbReachable,
  verifyExternalIds,
  verifyOvnkube,
} from '../../../src/operations/verify.js';
import { sha256 } from '../../../src/util/hash.js';
import { guideInventory } from '../../helpers/inventory.js';
import { planWith } from '../../helpers/plan.js';

const inv = guideInventory();
const [m1, n1, n2] = inv.hosts;
const SB = 'tcp:10.0.0.10:6642';

describe('verify_daemons', () => {
  const key = 'process.daemons:ovn-controller';
  it('is ok, with no command, when the daemon runs', async () => {
    const plan = await planWith(
      verifyDaemons,
      { daemons: ['ovn-controller'] },
      { [key]: { raw: 'ovn-controller=1\n' } },
      inv,
      n1,
    );
    expect(plan.commands).toEqual([]);
    expect(plan.msg).toBe('ovn-controller running');
  });
  it('fails naming the dead daemon, its pidfile and its log', async () => {
    const p = planWith(
      verifyDaemons,
      { daemons: ['ovn-controller'] },
      { [key]: { raw: 'ovn-controller=0\n' } },
      inv,
      n1,
    );
    await expect(p).rejects.toThrow(
      new RegExp(
        /ovn-controller not running \(no live process in \/var\/run\/ovn\/ovn-controller.pid\); /.source +
          /look closer: tail -n 30 \/var\/log\/ovn\/ovn-controller.log/.source,
      ),
    );
  });
  it('names only the daemons that are down', async () => {
    const facts = { 'process.daemons:ovn-northd,ovnnb_db,ovnsb_db': { raw: 'ovn-northd=0\novnnb_db=1\novnsb_db=1\n' } };
    await expect(
      planWith(verifyDaemons, { daemons: ['ovnnb_db', 'ovnsb_db', 'ovn-northd'] }, facts, inv, m1),
    ).rejects.toThrow(/^ovn-northd not running/);
  });
  it('rejects a daemon it does not know', () => {
    expect(() => verifyDaemons.args.parse({ daemons: ['sshd'] })).toThrow();
  });
});

describe('verify_db_listening', () => {
  const listening = { raw: '00000000:0016\n00000000:19F1\n00000000:19F2\n' }; // 22, 6641, 6642
  it('is ok when the connection table says ptcp:<port> and the port listens', async () => {
    const plan = await planWith(
      verifyDbListening,
      { db: 'sb', port: 6642 },
      { 'ovn.connection:sb': { raw: 'read-write role="" ptcp:6642\n' }, 'net.tcp-listening': listening },
      inv,
      m1,
    );
    expect(plan.commands).toEqual([]);
    expect(plan.msg).toBe('SB listens on TCP 6642');
  });
  it('fails when the database is configured for another port', async () => {
    const p = planWith(
      verifyDbListening,
      { db: 'nb', port: 6641 },
      { 'ovn.connection:nb': { raw: 'ptcp:6631\n' }, 'net.tcp-listening': listening },
      inv,
      m1,
    );
    await expect(p).rejects.toThrow(
      new RegExp(
        /NB database is not configured to listen on TCP 6641 \(connections: ptcp:6631\); /.source +
          /look closer: ovn-nbctl --timeout=5 get-connection/.source,
      ),
    );
  });
  it('fails when nothing listens on the port', async () => {
    const p = planWith(
      verifyDbListening,
      { db: 'nb', port: 6641 },
      { 'ovn.connection:nb': { raw: 'ptcp:6641\n' }, 'net.tcp-listening': { raw: '00000000:0016\n' } },
      inv,
      m1,
    );
    await expect(p).rejects.toThrow(/nothing listens on TCP port 6641/);
  });
  it('fails when the database does not answer', async () => {
    const p = planWith(
      verifyDbListening,
      { db: 'sb', port: 6642 },
      { 'ovn.connection:sb': { raw: '', rc: 1 }, 'net.tcp-listening': listening },
      inv,
      m1,
    );
    await expect(p).rejects.toThrow(
      /SB database does not answer on its local socket; look closer: ovn-sbctl --timeout=5 get-connection/,
    );
  });
  it('reads IPv4 and IPv6 listeners from /proc/net/tcp*', () => {
    expect(tcpListening.parse('0100007F:19F1\n00000000000000000000000000000000:19F2\n00000000:19F1\n', 0)).toEqual([
      6641, 6642,
    ]);
  });
});

describe('verify_db_reachable', () => {
  it('asks every master separately and is ok when all answer', async () => {
    const facts = {
      'ovn.reachable:sb:tcp:10.0.0.10:6642': { raw: 'read-write role="" ptcp:6642\n' },
      'ovn.reachable:sb:tcp:10.0.0.20:6642': { raw: 'ptcp:6642\n' },
    };
    const plan = await planWith(
      verifyDbReachable,
      { db: 'sb', remote: 'tcp:10.0.0.10:6642,tcp:10.0.0.20:6642' },
      facts,
      inv,
      n1,
    );
    expect(plan.commands).toEqual([]);
  });
  it('fails naming the node, the address and the client error', async () => {
    const facts = {
      'ovn.reachable:nb:tcp:10.0.0.10:6641': {
        raw: 'ovn-nbctl: tcp:10.0.0.10:6641: database connection failed (Connection refused)\n',
        rc: 1,
      },
    };
    const p = planWith(verifyDbReachable, { db: 'nb', remote: 'tcp:10.0.0.10:6641' }, facts, inv, n1);
    await expect(p).rejects.toThrow(
      new RegExp(
        /n1 cannot reach the NB database at tcp:10.0.0.10:6641 \(.*Connection refused\)\); /.source +
          /look closer: ovn-nbctl --db=tcp:10.0.0.10:6641 --timeout=5 get-connection \(on n1\)/.source,
      ),
    );
  });
});

describe('verify_external_ids', () => {
  const want = { 'ovn-remote': SB, 'ovn-encap-type': 'geneve', 'ovn-encap-ip': '10.0.0.11', 'system-id': 'n1' };
  const live =
    '{hostname=n1, ovn-encap-ip="10.0.0.11", ovn-encap-type=geneve, ovn-remote="tcp:10.0.0.10:6642", system-id=n1}';
  it('is ok when every id equals what the inventory implies', async () => {
    const plan = await planWith(verifyExternalIds, { ids: want }, { 'ovs.external-ids': { raw: live } }, inv, n1);
    expect(plan.commands).toEqual([]);
  });
  it('fails naming each differing id, its value and the wanted one', async () => {
    const p = planWith(
      verifyExternalIds,
      { ids: want },
      { 'ovs.external-ids': { raw: live.replace('"10.0.0.11"', '"10.9.9.9"').replace(', system-id=n1', '') } },
      inv,
      n1,
    );
    await expect(p).rejects.toThrow(
      new RegExp(
        /ovn-encap-ip is 10.9.9.9, the inventory implies 10.0.0.11; /.source +
          /system-id is \(unset\), the inventory implies n1/.source +
          /.*look closer: ovs-vsctl --timeout=5 get Open_vSwitch . external_ids/.source,
      ),
    );
  });
  it('fails when Open vSwitch does not answer', async () => {
    await expect(
      planWith(verifyExternalIds, { ids: want }, { 'ovs.external-ids': { raw: '', rc: 1 } }, inv, n1),
    ).rejects.toThrow(/Open vSwitch does not answer/);
  });
});

describe('verify_bridge', () => {
  // The local record's one ovs-vsctl (facts/ovs.ts): the external_ids map, then list-br's names.
  const bridges = (names: string) => ({ 'ovs.bridges': { raw: `{system-id=n1}\n${names}` } });
  it('is ok when br-int exists', async () => {
    expect((await planWith(verifyBridge, { name: 'br-int' }, bridges('br-ex\nbr-int\n'), inv, n1)).commands).toEqual(
      [],
    );
  });
  it('fails when it is missing', async () => {
    await expect(planWith(verifyBridge, { name: 'br-int' }, bridges('br-ex\n'), inv, n1)).rejects.toThrow(
      /bridge br-int does not exist.*look closer: ovs-vsctl --timeout=5 show/,
    );
  });
});

describe('verify_chassis', () => {
  const args = { remote: SB, name: 'n2', encapType: 'geneve', encapIp: '192.168.50.12' };
  const key = `ovn.sb-chassis:${SB}:n2`;
  const sb = (chassis: string, encaps: string) => ({
    raw: `{"data":${chassis},"headings":["name"]}\n{"data":${encaps},"headings":["type","ip"]}\n`,
  });
  it('is ok when the chassis is in SB with the encap IP the inventory gives', async () => {
    const plan = await planWith(
      verifyChassis,
      args,
      { [key]: sb('[["n2"]]', '[["geneve","192.168.50.12"]]') },
      inv,
      n2,
    );
    expect(plan.commands).toEqual([]);
    expect(plan.msg).toBe('chassis n2, geneve encap 192.168.50.12');
  });
  it('fails when the chassis is not registered', async () => {
    await expect(planWith(verifyChassis, args, { [key]: sb('[]', '[]') }, inv, n2)).rejects.toThrow(
      new RegExp(
        /chassis n2 is not registered in the SB database/.source +
          /.*look closer: ovn-sbctl --db=tcp:10.0.0.10:6642 --timeout=5 show/.source,
      ),
    );
  });
  it('fails naming the encap it has when the IP differs', async () => {
    await expect(
      planWith(verifyChassis, args, { [key]: sb('[["n2"]]', '[["geneve","10.0.0.12"]]') }, inv, n2),
    ).rejects.toThrow(/no geneve encap with IP 192.168.50.12 .*\(it has: geneve 10.0.0.12\)/);
  });
  it('fails when SB cannot be asked', async () => {
    await expect(
      planWith(
        verifyChassis,
        args,
        { [key]: { raw: 'ovn-sbctl: tcp:10.0.0.10:6642: database connection failed ()\n', rc: 1 } },
        inv,
        n2,
      ),
    ).rejects.toThrow(/cannot ask the SB database at tcp:10.0.0.10:6642 for chassis n2: .*database connection failed/);
  });
  it('parses ovn-sbctl JSON output', () => {
    expect(
      parseSbChassis(
        '{"data":[["n1"]],"headings":["name"]}\n{"data":[["geneve","10.0.0.11"]],"headings":["type","ip"]}\n',
        0,
        'ovn-sbctl',
      ),
    ).toEqual({
      reachable: true,
      error: '',
      present: true,
      encaps: [{ type: 'geneve', ip: '10.0.0.11' }],
    });
  });
});

describe('verify_ovnkube', () => {
  // n1's encapIp is on eth0, MTU 1500: its ovnkube runs with the default -mtu=1442 (geneve), read as install reads it.
  const links = '2: eth0: <BROADCAST,UP> mtu 1500\n--addresses--\n2: eth0    inet 10.0.0.11/24 scope global eth0\n';
  const procs = (raw: string) => ({ 'process.of:/usr/bin/ovnkube': { raw }, 'net.link-mtus': { raw: links } });
  const sha = sha256(`/usr/bin/ovnkube\0${ovnkubeArgsText(n1, inv, { underlayMtu: 1500 }).replaceAll('\n', '\0')}`);
  it('is ok when exactly one runs with the argv the inventory implies', async () => {
    const plan = await planWith(verifyOvnkube, {}, procs(`4242 ${sha}\n`), inv, n1);
    expect(plan.commands).toEqual([]);
    expect(plan.msg).toContain('pid 4242');
  });
  it('agrees with the ovnkube module on what "the right flags" are', async () => {
    // If install and verify disagreed, a fresh install would never verify.
    const argsText = ovnkubeArgs(n1, inv, { underlayMtu: 1500 }).map(revealArg).join('\n') + '\n';
    const facts = {
      'os.systemd': false,
      'file:/usr/bin/ovnkube': { exists: true, sha256: 'x', mode: '0755' },
      [`file:${OVNKUBE_ARGS_FILE}`]: { exists: true, sha256: sha256(argsText), mode: '0600' },
      [`file:${OVNKUBE_LAUNCHER}`]: { exists: true, sha256: sha256(launcherScript('/usr/bin/ovnkube')), mode: '0755' },
      [`file:${OVNKUBE_LOGROTATE}`]: { exists: false, sha256: '', mode: '' },
      'file.content:/etc/systemd/system/ovnkube.service': null,
      ...procs(`4242 ${sha}\n`),
    };
    expect((await planWith(ovnkube, {}, facts, inv, n1)).commands).toEqual([]);
  });
  it('fails when it is not running', async () => {
    await expect(planWith(verifyOvnkube, {}, procs(''), inv, n1)).rejects.toThrow(
      /ovnkube \(\/usr\/bin\/ovnkube\) is not running; look closer: tail -n 30 \/var\/log\/openvswitch\/ovnkube.log/,
    );
  });
  it('fails when it runs twice', async () => {
    await expect(planWith(verifyOvnkube, {}, procs(`1 ${sha}\n2 ${sha}\n`), inv, n1)).rejects.toThrow(
      /2 copies of ovnkube run \(pids 1 2\)/,
    );
  });
  it('fails when the live flags differ from the inventory (a master argv on a node)', async () => {
    const p = planWith(verifyOvnkube, {}, procs(`4242 ${expectedOvnkubeArgvSha(m1, inv)}\n`), inv, n1);
    await expect(p).rejects.toThrow(
      new RegExp(
        /runs with other flags than the inventory implies; look closer: .*\/proc\/4242\/cmdline/.source +
          /.*ovnctl install --check --diff --tags ovnkube --limit n1/.source,
      ),
    );
  });
  it('never puts the token in its messages', async () => {
    const err = await planWith(verifyOvnkube, {}, procs(`4242 ${'0'.repeat(64)}\n`), inv, n1).catch((e: Error) => e);
    expect(String(err)).not.toContain('s3cr3t-t0ken');
  });
});

describe('playbooks/verify.yaml', () => {
  it('loads for the guide inventory, every check continuing past a failure, smoke off unless asked', async () => {
    const { loadPlaybook } = await import('../../../src/playbook/load.js');
    const { bundledPlaybook } = await import('../../../src/cli/paths.js');
    for (const smoke of [false, true]) {
      const pb = loadPlaybook(bundledPlaybook('verify'), inv, {
        selected: inv.hosts,
        extraVars: smoke ? { smoke: true } : {},
      });
      const tasks = pb.plays.flatMap((p) => p.tasks);
      expect(tasks.every((t) => t.continueOnFailure)).toBe(true);
      const smokeTasks = tasks.filter((t) => t.module.name.startsWith('smoke_'));
      expect(smokeTasks.length).toBeGreaterThan(0);
      for (const t of smokeTasks) for (const prep of t.prepared.values()) expect(prep.run).toBe(smoke);
    }
  });
});
