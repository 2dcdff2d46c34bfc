// apt's progress and its transient errors through the CLI on the shared lab: an install on purged hosts
// streams task-progress events whose percent rises through apt's dpkg run for every apt task that
// installed; a purge does too; a mirror that refuses connections fails the install saying the errors
// were transient and retried; the next install against the working mirror converges. Starts by purging
// (files share the lab, in any order) and ends with the lab installed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ovnctl, parseEvents } from '../helpers/cli.js';
import { describeLab, labContext, labHosts, sshOk } from '../helpers/lab.js';

interface Progress {
  type: 'task-progress';
  play: string;
  task: string;
  host: string;
  msg: string;
  percent?: number;
}

function progressOf(stdout: string): Progress[] {
  parseEvents(stdout); // every line JSON, one recap, last
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string })
    .filter((e): e is Progress => e.type === 'task-progress');
}

/** The percents of a task's dpkg run: from apt's first "running dpkg" on. */
function dpkgPercents(events: Progress[]): number[] {
  const from = events.findIndex((e) => e.msg === 'running dpkg');
  return from < 0 ? [] : events.slice(from).map((e) => e.percent!);
}

const rising = (xs: number[]) => xs.every((x, i) => i === 0 || x >= xs[i - 1]);

describeLab('apt progress and transient fetch errors on the lab', () => {
  const { inventory, dir } = labContext();

  beforeAll(async () => {
    const r = await ovnctl(['uninstall', '-i', inventory, '--purge']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // Another file's run may have left the .debs in apt's cache: then apt downloads nothing and says so
    // by no download step. Emptied, every install below fetches what it installs.
    for (const h of await labHosts(dir)) await sshOk(dir, h.name, h.address, 'apt-get clean');
  });

  it('an install: every apt task that installed streams rising percents, unpacking what it installs', async () => {
    const logFile = join(mkdtempSync(join(tmpdir(), 'ovnctl-apt-log-')), 'run.log');
    const r = await ovnctl(['install', '-i', inventory, '--json', '--log-file', logFile]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const progress = progressOf(r.stdout);
    const installs = parseEvents(r.stdout).tasks.filter(
      (t) => t.status === 'changed' && /^install [a-z0-9]/.test(t.msg),
    );
    expect(installs.map((t) => `${t.host} ${t.task}`).sort()).toEqual([
      'm1 Install Open vSwitch',
      'm1 Install ovn-central',
      'n1 Install Open vSwitch',
      'n1 Install ovn-host',
      'n2 Install Open vSwitch',
      'n2 Install ovn-host',
    ]);
    for (const t of installs) {
      const mine = progress.filter((e) => e.host === t.host && e.task === t.task);
      const where = `${t.host} ${t.task}: ${JSON.stringify(mine)}`;
      expect(
        mine.every((e) => e.percent !== undefined),
        where,
      ).toBe(true);
      // The download reaches 100; the dpkg run starts at 0 and rises until each package it installs is
      // configured. Its last percent is apt's and not 100: apt counts trigger steps that may never run.
      expect(
        mine.some((e) => e.msg.startsWith('retrieving file') && e.percent === 100),
        where,
      ).toBe(true);
      const dpkg = dpkgPercents(mine);
      expect(dpkg[0], where).toBe(0);
      expect(rising(dpkg), where).toBe(true);
      expect(dpkg.at(-1)!, where).toBeGreaterThan(50);
      for (const pkg of t.msg.replace(/^install /, '').split(' ')) {
        const msgs = mine.map((e) => e.msg);
        expect(msgs, where).toContain(`unpacking ${pkg}`);
        expect(msgs, where).toContain(`installed ${pkg}`);
      }
    }
    // --log-file has the same steps with their percents.
    const log = readFileSync(logFile, 'utf8');
    expect(log).toMatch(/ n1 \[[^\]]+\] Install ovn-host: progress unpacking ovn-host \(\d+%\)\n/);
  });

  it('a purge streams its steps with rising percents too', async () => {
    const r = await ovnctl(['uninstall', '-i', inventory, '--purge', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const progress = progressOf(r.stdout);
    for (const host of ['m1', 'n1', 'n2']) {
      const mine = progress.filter((e) => e.host === host && e.task === 'Purge the OVS/OVN packages');
      const where = `${host}: ${JSON.stringify(mine)}`;
      expect(rising(dpkgPercents(mine)), where).toBe(true);
      expect(
        mine.map((e) => e.msg),
        where,
      ).toContain('completely removed ovn-common');
    }
  });

  it('a mirror that refuses connections: the install fails saying the errors were transient and retried', async () => {
    const inv = parse(readFileSync(inventory, 'utf8'));
    const url = new URL(inv.packages.source.url);
    url.port = '9'; // discard: nothing listens there on the lab's bridge
    inv.packages.source.url = url.toString();
    const refused = join(mkdtempSync(join(tmpdir(), 'ovnctl-apt-')), 'inventory.yaml');
    writeFileSync(refused, stringify(inv));
    // Preflight would catch the mirror before apt does (it reads the Release file first); skip it to reach apt.
    const r = await ovnctl(['install', '-i', refused, '--limit', 'n1', '--skip-tags', 'preflight', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    const failed = parseEvents(r.stdout).tasks.find((t) => t.status === 'failed')!;
    expect(failed).toMatchObject({ host: 'n1', task: 'Install Open vSwitch' });
    expect(failed.msg).toMatch(/Acquire::Retries=3 .* update/);
    expect(failed.msg).toContain('Connection refused');
    expect(failed.msg.split('\n').at(-1)).toMatch(
      /^apt: 1 fetch failed with a transient error \(connection refused\) after 3 retries \(Acquire::Retries=3\): /,
    );
  });

  it('the next install against the working mirror converges (and leaves the lab installed)', async () => {
    const r = await ovnctl(['install', '-i', inventory]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});
