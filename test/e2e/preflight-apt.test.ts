// The package checks of `ovnctl preflight` on the shared lab (Debian 12 hosts, the lab's signed mirror):
// dkms (no candidate in the mirror, no headers for the lab's kernel) and a suite the mirror lacks are
// named before any change, read from here or with --from-hosts from the hosts; `install` stops those
// hosts with dpkg and apt sources as they were; the lab's own inventory passes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ovnctl, parseEvents, type TaskEvent } from '../helpers/cli.js';
import { describeLab, labContext, labHosts, sshOk } from '../helpers/lab.js';

const SOURCE = "The package source serves this host's release (its Release file)";
const CANDIDATES = "Every package the run installs has a candidate in the run's sources";
const DKMS = 'dkms datapath package and headers for the running kernel';
const ORIGIN = 'No package the run installs is installed from another source';
const HOSTS = ['m1', 'n1', 'n2'];

describeLab('preflight: package sources and candidates on the lab', () => {
  const { inventory, dir } = labContext();
  let addr: Record<string, string>;
  let tmp = '';
  /** What an install would change first: dpkg's package states and the apt sources and keys, per host. */
  const aptState = async () =>
    Object.fromEntries(
      await Promise.all(
        HOSTS.map(async (h) => [
          h,
          await sshOk(
            dir,
            h,
            addr[h],
            "dpkg-query -W -f='${Package} ${db:Status-Abbrev} ${Version}\\n'; " +
              'ls -l /etc/apt/sources.list.d /etc/apt/trusted.gpg.d; ls /tmp | grep -c ovnctl-preflight || true',
          ),
        ]),
      ),
    );
  /** A copy of the lab's inventory with packages.source.suite set. */
  const withSuite = (suite: string) => {
    const inv = parse(readFileSync(inventory, 'utf8'));
    inv.packages.source.suite = suite;
    const file = join(tmp, `inventory-${suite}.yaml`);
    writeFileSync(file, stringify(inv));
    return file;
  };
  const tasks = (stdout: string, name: string): TaskEvent[] =>
    parseEvents(stdout).tasks.filter((t) => t.task === name && t.play === 'Preflight');

  beforeAll(async () => {
    addr = Object.fromEntries((await labHosts(dir)).map((h) => [h.name, h.address]));
    tmp = mkdtempSync(join(tmpdir(), 'ovnctl-pfapt-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("dkms: the package is named with 'no candidate', and the kernel's headers, on every host (exit 2)", async () => {
    const before = await aptState();
    const r = await ovnctl(['preflight', '-i', inventory, '-e', 'packages.datapath=dkms', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const dkms = tasks(r.stdout, DKMS);
    expect(dkms.map((t) => t.host).sort()).toEqual(HOSTS);
    for (const t of dkms) {
      expect(t.status).toBe('failed');
      expect(t.msg).toContain(`openvswitch-datapath-dkms has no candidate on ${t.host}`);
      expect(t.msg).toMatch(/no linux-headers-\S+ \(the running kernel's headers\)/);
      expect(t.msg).toContain('set packages.datapath: kernel');
    }
    expect(await aptState()).toEqual(before);
  });

  it('install with dkms stops every host in preflight: no later play, dpkg and apt sources unchanged', async () => {
    const before = await aptState();
    const r = await ovnctl(['install', '-i', inventory, '-e', 'packages.datapath=dkms', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const { tasks: all } = parseEvents(r.stdout);
    expect(all.filter((t) => t.play !== 'Preflight' && t.status !== 'skipped')).toEqual([]);
    expect(tasks(r.stdout, DKMS).every((t) => t.status === 'failed')).toBe(true);
    expect(await aptState()).toEqual(before);
  });

  it('a suite the mirror lacks is named, read from this machine, then with --from-hosts from each host', async () => {
    const inv = withSuite('nosuch');
    // dkms too, so a host with every package of the default installed still has one to install.
    for (const extra of [[], ['--from-hosts']]) {
      const r = await ovnctl(['preflight', '-i', inv, '-e', 'packages.datapath=dkms', '--json', ...extra]);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      const source = tasks(r.stdout, SOURCE);
      expect(source.map((t) => t.host).sort()).toEqual(HOSTS);
      for (const t of source) {
        expect(t.status).toBe('failed');
        expect(t.msg).toContain(`has no suite nosuch for ${t.host} (debian bookworm)`);
        expect(t.msg).toContain('/dists/nosuch/Release');
        expect(t.msg).toContain(
          extra.length ? `(read on ${t.host}, --from-hosts)` : '(read from the machine running ovnctl)',
        );
        expect(t.msg).toContain('set packages.source.suite to a suite it has for bookworm');
      }
    }
  });

  it("the lab's inventory passes: exit 0, each package check ok (or skipped when all is installed)", async () => {
    const r = await ovnctl(['preflight', '-i', inventory, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const name of [SOURCE, CANDIDATES, ORIGIN]) {
      const results = tasks(r.stdout, name);
      expect(results.map((t) => t.host).sort(), name).toEqual(HOSTS);
      for (const t of results) {
        if (t.status === 'skipped') expect(t.msg).toBe('every package the run installs is installed already');
        else expect(t.status, `${t.host} ${name}: ${t.msg}`).toBe('ok');
      }
    }
    const ok = tasks(r.stdout, SOURCE).filter((t) => t.status === 'ok');
    for (const t of ok) expect(t.msg).toContain('/dists/bookworm/Release (read from the machine running ovnctl)');
  });
});
