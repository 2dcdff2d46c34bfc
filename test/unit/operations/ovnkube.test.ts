import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import {
  OVNKUBE_ARGS_FILE,
  OVNKUBE_LAUNCHER,
  OVNKUBE_LOGROTATE,
  launcherScript,
  ovnkube,
  startDetached,
} from '../../../src/operations/ovnkube.js';
import { ovnkubeArgs, revealArg } from '../../../src/operations/ovnkube-flags.js';
import { preflight } from '../../../src/operations/preflight.js';
import { sha256 } from '../../../src/util/hash.js';
import { guideInventory } from '../../helpers/inventory.js';
import { planWith } from '../../helpers/plan.js';

const inv = guideInventory();
const n1 = inv.hosts[1];
// n1's encapIp 10.0.0.11 is on eth0, MTU 1500: the default -mtu is 1500 - 58 (geneve).
const LINKS =
  '2: eth0: <BROADCAST,UP> mtu 1500 qdisc noqueue\n--addresses--\n2: eth0    inet 10.0.0.11/24 scope global eth0\n';
const argsText = ovnkubeArgs(n1, inv, { underlayMtu: 1500 }).map(revealArg).join('\n') + '\n';
// As /proc/<pid>/cmdline holds the argv from the binary on: every word NUL-ended.
const argvSha = sha256(`/usr/bin/ovnkube\0${argsText.replaceAll('\n', '\0')}`);
const present = (content: string, mode: string) => ({ exists: true, sha256: sha256(content), mode });
const baseFacts = (procs: string) => ({
  'os.systemd': false,
  'file:/usr/bin/ovnkube': { exists: true, sha256: 'x', mode: '0755' },
  [`file:${OVNKUBE_ARGS_FILE}`]: present(argsText, '0600'),
  [`file:${OVNKUBE_LAUNCHER}`]: present(launcherScript('/usr/bin/ovnkube'), '0755'),
  // The default log is openvswitch-switch's to rotate (operations/ovnkube.ts rotatedByOpenvswitch).
  [`file:${OVNKUBE_LOGROTATE}`]: { exists: false, sha256: '', mode: '' },
  'net.link-mtus': { raw: LINKS },
  'file.content:/etc/systemd/system/ovnkube.service': null,
  'process.of:/usr/bin/ovnkube': { raw: procs },
});

describe('ovnkube', () => {
  it('does nothing when exactly one ovnkube runs with the wanted argv', async () => {
    const plan = await planWith(ovnkube, {}, baseFacts(`4242 ${argvSha}\n`), inv, n1);
    expect(plan.commands).toEqual([]);
    expect(plan.msg).toContain('4242');
  });
  it('starts it detached when not running, argv kept in a 0600 file, token never in a command line', async () => {
    const facts = { ...baseFacts(''), [`file:${OVNKUBE_ARGS_FILE}`]: { exists: false, sha256: '', mode: '' } };
    const plan = await planWith(ovnkube, {}, facts, inv, n1);
    expect(plan.commands).toHaveLength(2);
    expect(plan.commands[0].stdin?.toString()).toBe(argsText);
    expect(plan.commands[0].script).toContain('chmod 0600');
    for (const c of plan.commands) {
      expect(c.script).not.toContain('s3cr3t-t0ken');
      expect(c.display).not.toContain('s3cr3t-t0ken');
    }
    expect(plan.commands[1].script).toContain(`setsid ${OVNKUBE_LAUNCHER}`);
    expect(plan.diff?.after).toContain('-k8s-token=********');
  });
  it('restarts once, stopping the old process first, when the flags changed', async () => {
    const plan = await planWith(ovnkube, {}, baseFacts(`4242 ${'0'.repeat(64)}\n`), inv, n1);
    expect(plan.commands.map((c) => c.script).join('\n')).toMatch(/kill 4242[\s\S]*kill -9 4242[\s\S]*setsid/);
    expect(plan.msg).toMatch(/flags changed/);
  });
  it('never leaves two copies running', async () => {
    const plan = await planWith(ovnkube, {}, baseFacts(`4242 ${argvSha}\n4343 ${argvSha}\n`), inv, n1);
    expect(plan.commands.map((c) => c.script).join('\n')).toContain('kill 4242 4343');
  });
  it('uses a systemd unit when systemd is PID 1', async () => {
    const plan = await planWith(ovnkube, {}, { ...baseFacts(''), 'os.systemd': true }, inv, n1);
    const all = plan.commands.map((c) => c.script).join('\n');
    expect(all).toContain('/etc/systemd/system/ovnkube.service');
    expect(all).toContain('systemctl daemon-reload');
    expect(all).toContain('systemctl enable ovnkube && systemctl restart ovnkube');
  });
  it('fails clearly when the binary is missing and nothing uploads it', async () => {
    const facts = { ...baseFacts(''), 'file:/usr/bin/ovnkube': { exists: false, sha256: '', mode: '' } };
    await expect(planWith(ovnkube, {}, facts, inv, n1)).rejects.toThrow(
      /ovnkube binary \/usr\/bin\/ovnkube not found on n1/,
    );
  });
});

describe('starting ovnkube detached', () => {
  it('waits for nothing: no sleep between the start and the liveness check', () => {
    const c = startDetached('/usr/bin/ovnkube', '/var/log/ovnkube.log');
    expect(c.script).not.toMatch(/\bsleep\b/);
    expect(c.script).toMatch(/setsid [^;]*& pid=\$!; echo \$pid > \S+; kill -0 \$pid/);
  });
  // The checks come first, so these runs end before anything is created or started.
  it('fails at once, naming the binary, when it is missing or not executable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovnctl-ovnkube-'));
    const log = join(dir, 'log', 'ovnkube.log');
    const missing = await new LocalConnection().exec(startDetached(join(dir, 'nope'), log).script);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr.trim()).toBe(`ovnkube cannot start: ${join(dir, 'nope')} not found`);
    writeFileSync(join(dir, 'ovnkube'), '#!/bin/sh\n');
    chmodSync(join(dir, 'ovnkube'), 0o644);
    const plain = await new LocalConnection().exec(startDetached(join(dir, 'ovnkube'), log).script);
    expect(plain.stderr.trim()).toBe(`ovnkube cannot start: ${join(dir, 'ovnkube')} is not executable`);
    expect(plain.exitCode).toBe(1);
  });
});

describe('preflight', () => {
  const facts = (os: object, extra: object = {}) => ({
    'os.release': os,
    'os.which:apt-get': '/usr/bin/apt-get',
    'os.pep668': false,
    'file:/usr/bin/ovnkube': { exists: true, sha256: 'x', mode: '0755' },
    ...extra,
  });
  const debian = { id: 'debian', idLike: [], versionId: '12', codename: 'bookworm' };
  it('refuses the wand repo on Debian and suggests distro or a mirror', async () => {
    await expect(planWith(preflight, {}, facts(debian), inv)).rejects.toThrow(
      /wand repository carries Ubuntu suites only.*packages.source: distro/,
    );
  });
  it('refuses pip where PEP 668 forbids it, suggesting apt', async () => {
    const inv2 = guideInventory({ packages: { source: { kind: 'distro' }, datapath: 'kernel', ovsPython: 'pip' } });
    await expect(planWith(preflight, {}, facts(debian, { 'os.pep668': true }), inv2)).rejects.toThrow(
      /PEP 668.*ovsPython: apt/,
    );
  });
  it('refuses a missing ovnkube binary', async () => {
    const inv2 = guideInventory({ packages: { source: { kind: 'distro' }, datapath: 'kernel', ovsPython: 'apt' } });
    await expect(
      planWith(preflight, {}, facts(debian, { 'file:/usr/bin/ovnkube': { exists: false } }), inv2),
    ).rejects.toThrow(/ovnkube binary/);
  });
  it('for gre-mesh (no ovnkube there) does not look for the ovnkube binary; for uninstall only needs apt', async () => {
    const inv2 = guideInventory({ packages: { source: { kind: 'distro' }, datapath: 'kernel', ovsPython: 'pip' } });
    const noBinary = facts(debian, { 'file:/usr/bin/ovnkube': { exists: false } });
    await expect(planWith(preflight, { for: 'gre-mesh' }, noBinary, inv2)).resolves.toMatchObject({ commands: [] });
    // PEP 668 still matters to gre-mesh (ovs.yaml installs the Python bindings), not to uninstall.
    const pep668 = facts(debian, { 'os.pep668': true });
    await expect(planWith(preflight, { for: 'gre-mesh' }, pep668, inv2)).rejects.toThrow(/PEP 668/);
    await expect(planWith(preflight, { for: 'uninstall' }, pep668, inv)).resolves.toMatchObject({ commands: [] });
    const noApt = facts(debian, { 'os.which:apt-get': '' });
    await expect(planWith(preflight, { for: 'uninstall' }, noApt, inv)).rejects.toThrow(/has no apt-get/);
  });
  it('passes an Ubuntu host with the guide settings', async () => {
    const plan = await planWith(
      preflight,
      {},
      facts({ id: 'ubuntu', idLike: ['debian'], versionId: '22.04', codename: 'jammy' }),
      inv,
    );
    expect(plan.commands).toEqual([]);
  });
});
