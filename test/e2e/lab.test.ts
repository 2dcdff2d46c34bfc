// The lab itself: real hosts reached over ssh with the lab's key and known_hosts only, each in its own
// namespaces, air-gapped but for the signed mirror; and `lab down` leaves nothing behind.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expect, it } from 'vitest';
import {
  labAddHost,
  labDown,
  labFiles,
  labStatus,
  labUp,
  parseRecorderLog,
  RECORDER_ARGV_LOG,
  RECORDER_PIDFILE,
} from '../../src/lab/index.js';
import { ovnctl } from '../helpers/cli.js';
import {
  describeLab,
  labContext,
  labHosts,
  labLeftovers,
  machinePidsWith,
  NOTHING_LEFT,
  sshRun,
} from '../helpers/lab.js';

describeLab('lab hosts', () => {
  const { dir, inventory } = labContext();

  it('writes an inventory for 1 master and 2 nodes, from the mirror, netdev, with the ovnkube stand-in', () => {
    const inv = parse(readFileSync(inventory, 'utf8'));
    expect(Object.keys(inv.hosts)).toEqual(['m1', 'n1', 'n2']);
    expect(inv.hosts.m1.roles).toEqual(['master']);
    expect(inv.hosts.n2.roles).toEqual(['node']);
    expect(inv.ssh).toMatchObject({ user: 'root', privateKey: join(dir, 'id_ed25519'), hostKeyChecking: 'strict' });
    expect(inv.packages).toMatchObject({ datapath: 'kernel', ovsPython: 'apt' });
    expect(inv.packages.source).toMatchObject({ suite: 'bookworm', components: ['main'] });
    expect(inv.packages.source.url).toMatch(/^http:\/\/10\.213\.\d+\.1:\d+\/debian$/);
    expect(inv.ovs.datapathType).toBe('netdev');
    expect(readFileSync(inv.ovnkube.upload, 'utf8')).toContain('ovnkube STAND-IN for the ovnctl lab and tests only');
    expect(readFileSync(inv.cluster.k8sToken.file, 'utf8').trim()).toMatch(/^[0-9a-f]{48}$/);
  });

  it('every host answers ssh with only the lab key and known_hosts, strictly checked', async () => {
    for (const h of await labHosts(dir)) {
      const r = await sshRun(dir, h.address, 'hostname');
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expect(r.stdout.trim()).toBe(h.name);
    }
  });

  it('refuses a host key the lab known_hosts does not list', async () => {
    const [m1, n1] = await labHosts(dir);
    // n1's address with m1's key line: the key n1 shows is not the one listed.
    const scratch = mkdtempSync(join(tmpdir(), 'ovnctl-lab-kh-'));
    try {
      const lines = readFileSync(labFiles(dir).knownHosts, 'utf8').split('\n');
      const m1Key = lines
        .find((l) => l.startsWith(`${m1.address} `))
        ?.split(' ')
        .slice(1)
        .join(' ');
      writeFileSync(join(scratch, 'known_hosts'), `${n1.address} ${m1Key}\n`);
      copyFileSync(labFiles(dir).privateKey, join(scratch, 'id_ed25519'));
      const r = await sshRun(scratch, n1.address, 'hostname');
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('gives each host its own pid namespace with the init (tini running sshd) as pid 1', async () => {
    const seen = new Set<string>();
    const machine = readlinkSync('/proc/self/ns/pid');
    for (const h of await labHosts(dir)) {
      const r = await sshRun(
        dir,
        h.address,
        `tr '\\0' ' ' </proc/1/cmdline; echo; readlink /proc/self/ns/pid; cat /proc/sys/kernel/hostname`,
      );
      expect(r.code, r.stderr).toBe(0);
      const [cmdline, ns, hostname] = r.stdout.trim().split('\n');
      expect(cmdline).toMatch(/^\/usr\/bin\/tini -- \/usr\/sbin\/sshd -D/);
      expect(ns).not.toBe(machine);
      seen.add(ns);
      expect(hostname).toBe(h.name);
    }
    expect(seen.size).toBe(3);
  });

  // The shared lab may already hold an install (files run in any order): the only apt source a host may
  // have is the lab's own mirror on the bridge, which `ovnctl install` adds.
  it('reaches nothing but the bridge subnet: one route, no default route, no apt source but the mirror', async () => {
    for (const h of await labHosts(dir)) {
      const subnet = h.address.replace(/\.\d+$/, '.0/24');
      // Route look-ups only: no packet leaves for any address outside the lab.
      const r = await sshRun(
        dir,
        h.address,
        'ip -4 route show table all | grep -v "^local\\|^broadcast"; echo ---; ' +
          'ip route get 198.51.100.1 2>&1; echo ---; ' +
          'ip -6 route show default; cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | ' +
          "grep -v '^\\s*#' | grep .",
      );
      const [routes, lookup, rest] = r.stdout.split('---\n');
      expect(routes.trim().split('\n')).toEqual([
        expect.stringMatching(new RegExp(`^${subnet.replace(/\./g, '\\.')} dev eth0 `)),
      ]);
      expect(lookup).toMatch(/unreachable/i);
      const gateway = h.address.replace(/\.\d+$/, '.1').replace(/\./g, '\\.');
      for (const line of rest.trim().split('\n').filter(Boolean)) {
        expect(line).toMatch(new RegExp(`^deb (\\[[^\\]]*\\] )?http://${gateway}:\\d+/debian `));
      }
    }
  });

  it('apt-get update against the signed mirror works once its source line is given (scratch apt dirs)', async () => {
    const inv = parse(readFileSync(inventory, 'utf8'));
    const src = inv.packages.source as { url: string; key: string; suite: string };
    const [, n1] = await labHosts(dir);
    const s = '/tmp/ovnctl-lab-apt-test';
    const apt =
      `-o Dir::Etc::sourcelist=${s}/x.list -o Dir::Etc::sourceparts=${s}/none ` +
      `-o Dir::State::Lists=${s}/lists -o Dir::Cache=${s}/cache`;
    const script = [
      'set -e',
      `rm -rf ${s}; mkdir -p ${s}/none ${s}/lists/partial ${s}/cache/archives/partial`,
      `cat > ${s}/key.asc`,
      `echo "deb [signed-by=${s}/key.asc] ${src.url} ${src.suite} main" > ${s}/x.list`,
      `apt-get ${apt} update`,
      `apt-cache ${apt} policy openvswitch-switch ovn-central`,
    ].join('\n');
    const r = await sshRun(dir, n1.address, `${script}; rc=$?; rm -rf ${s}; exit $rc`, readFileSync(src.key, 'utf8'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Get:\d+ http:\/\/10\.213\.\d+\.1:\d+\/debian bookworm InRelease/);
    expect(r.stdout + r.stderr).not.toMatch(/NO_PUBKEY|not signed|W: |E: /);
    // Installed or not (the shared lab may hold an install already): the mirror offers a candidate.
    expect(r.stdout).toMatch(/openvswitch-switch:\n\s+Installed: [^\n]+\n\s+Candidate: 3\./);
    expect(r.stdout).toMatch(/ovn-central:\n\s+Installed: [^\n]+\n\s+Candidate: \d/);
    // Nothing of it stays on the host: no scratch dir, no package lists.
    const after = await sshRun(dir, n1.address, `test ! -e ${s} && ls -A /var/lib/apt/lists`);
    expect(after.code).toBe(0);
    expect(after.stdout).not.toMatch(/InRelease|Packages/);
  });
});

describeLab('lab down', () => {
  it('removes every netns, link, mount, file and process of a lab (a second one, beside the shared lab)', async () => {
    const base = mkdtempSync(join(tmpdir(), 'ovnctl-lab-down-'));
    const dir = join(base, 'lab');
    const name = 'e2edown';
    try {
      const lab = await labUp({ name, dir, masters: 1, nodes: 1 });
      expect(lab.hosts.map((h) => h.name)).toEqual(['m1', 'n1']);
      const n2 = await labAddHost({ dir, name: 'n2', role: 'node' });
      const inv = parse(readFileSync(lab.inventory, 'utf8'));
      expect(inv.hosts.n2).toEqual({ address: n2, roles: ['node'] });
      expect((await sshRun(dir, n2, 'hostname')).stdout.trim()).toBe('n2');

      // The ovnkube stand-in: placed on a host, started detached (as ovnctl does), records its argv. No
      // -init-node: that one needs OVS and a token on the host, as the real ovnkube does.
      const recorder = readFileSync(labFiles(dir).recorder);
      const marker = `-test-marker=${process.pid}-${Date.now()}`; // other labs on this machine may run ovnkube too
      const start = [
        'set -e',
        'cat > /usr/local/bin/ovnkube && chmod 755 /usr/local/bin/ovnkube',
        `setsid nohup /usr/local/bin/ovnkube -net-controller "-loglevel=4" "two words" ${marker} ` +
          '</dev/null >/dev/null 2>&1 &',
        `for i in $(seq 50); do test -s ${RECORDER_PIDFILE} && break; sleep 0.1; done`,
        `pid=$(cat ${RECORDER_PIDFILE}); tr '\\0' '\\n' </proc/$pid/cmdline; echo ===; cat ${RECORDER_ARGV_LOG}`,
      ].join('\n');
      const host = lab.hosts[1];
      const r = await sshRun(dir, host.address, start, recorder.toString());
      expect(r.code, r.stderr).toBe(0);
      const [cmdline, log] = r.stdout.split('===\n');
      expect(cmdline.trim().split('\n').slice(-4)).toEqual(['-net-controller', '-loglevel=4', 'two words', marker]);
      const starts = parseRecorderLog(log);
      expect(starts).toHaveLength(1);
      expect(starts[0].argv).toEqual(['-net-controller', '-loglevel=4', 'two words', marker]);

      const status = await labStatus({ dir });
      expect(status.up).toBe(true);
      const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
        resources: { kind: string; pid?: number }[];
        hosts: { initPid?: number }[];
      };
      const pids = [
        ...state.resources.filter((x) => x.kind === 'process').map((x) => x.pid ?? 0),
        ...state.hosts.map((h) => h.initPid ?? 0),
      ];
      expect(pids.filter((p) => p > 0)).toHaveLength(2 * 3 + 1); // unshare + init per host, the mirror server
      const recorderPids = machinePidsWith(marker);
      expect(recorderPids).toHaveLength(1);

      // The CA an install with TLS keeps beside the lab's inventory (tls.caDir's default) goes with the lab.
      mkdirSync(join(dir, 'pki', 'private'), { recursive: true });
      writeFileSync(join(dir, 'pki', 'private', 'cakey.pem'), 'not a real key\n', { mode: 0o600 });

      // Through the CLI, by --dir alone: it names the lab it took down (from its state, not the default name).
      const t0 = Date.now();
      const down = await ovnctl(['lab', 'down', '--dir', dir]);
      console.log(`[lab down] ${Date.now() - t0} ms`);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toBe(`lab '${name}' is down; ${dir} cleaned\n`);

      expect(labLeftovers({ name, dir, base, pids: [...pids, ...recorderPids] })).toEqual(NOTHING_LEFT);

      // Idempotent: nothing left to do, nothing to fail on.
      expect(await labDown({ dir })).toEqual({ dir, found: false });
      expect((await labStatus({ dir })).exists).toBe(false);
    } finally {
      await labDown({ dir }).catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    }
  });
});
