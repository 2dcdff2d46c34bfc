// Faults on a lab of its own (1 master, 2 nodes, fresh hosts): a connection cut in the middle of the
// apt step, an interrupted dpkg, a held dpkg lock, a host that answers slowly, Ctrl-C mid-run and a
// host whose sshd is dead. Each time the other hosts finish, the broken one is reported as such, and
// the next run converges with no manual step. The tests run in order on the same hosts.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { labDown, labStatus, labUp, type Lab } from '../../src/lab/index.js';
import { CLI, ovnctl, parseEvents, type CliResult } from '../helpers/cli.js';
import { describeLab, sshRun } from '../helpers/lab.js';

const FLT = { name: 'flt', dir: '/var/lib/ovnctl/flt-lab', masters: 1, nodes: 2 };
/** Bounds every wait in this file: nothing here may hang the suite. */
const STEP_MS = 240_000;

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
}

function procTable(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.push({ pid: Number(name), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), comm });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

function descendants(table: Proc[], pid: number): Proc[] {
  const out: Proc[] = [];
  const walk = (p: number): void => {
    for (const c of table.filter((x) => x.ppid === p)) {
      out.push(c);
      walk(c.pid);
    }
  };
  walk(pid);
  return out;
}

/** A lab host's processes as this machine sees them (its pid namespace is below the lab's host process). */
async function hostProcs(lab: Lab, host: string): Promise<{ all: Proc[]; sshd: Proc; sessions: Proc[] }> {
  const pid = (await labStatus({ dir: lab.dir })).hosts.find((h) => h.name === host)?.pid;
  if (!pid) throw new Error(`lab host ${host} is not running`);
  const table = procTable();
  const all = descendants(table, pid);
  // tini is the host's pid 1; its child sshd is the listener; per-connection sshd processes are below it.
  const tini = all.find((p) => p.comm === 'tini')!;
  const sshd = all.find((p) => p.ppid === tini.pid && p.comm === 'sshd')!;
  return { all, sshd, sessions: descendants(table, sshd.pid) };
}

/** Poll until cond() returns a value (bounded). */
async function waitFor<T>(
  what: string,
  cond: () => Promise<T | undefined>,
  timeoutMs = STEP_MS,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Start the CLI without waiting for it; `done` resolves with its exit code and output. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), STEP_MS);
  const done = new Promise<CliResult & { signal: string | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code: code ?? -1, signal, stdout, stderr });
    }),
  );
  return { child, done, output: () => stdout };
}

const kill = (pids: number[], sig: NodeJS.Signals = 'SIGKILL') =>
  pids.forEach((p) => {
    try {
      process.kill(p, sig);
    } catch {
      // gone already
    }
  });

describeLab('faults on a lab of its own', () => {
  let lab: Lab;
  /** Files of the test (inventory variants, keys, logs): not in the lab's dir, which lab down removes. */
  let scratch: string;
  let addr: Record<string, string>;
  const on = async (host: string, script: string) => {
    const r = await sshRun(lab.dir, addr[host], script);
    expect(r.code, `${host}: ${script}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  /** A copy of the lab inventory with some settings changed. */
  const inventoryWith = (name: string, change: (inv: Record<string, Record<string, unknown>>) => void): string => {
    const inv = parse(readFileSync(lab.inventory, 'utf8'));
    change(inv);
    const file = join(scratch, `inventory-${name}.yaml`);
    writeFileSync(file, stringify(inv));
    return file;
  };
  const install = (...args: string[]) =>
    ovnctl(['install', '-i', lab.inventory, '--json', ...args], { timeoutMs: STEP_MS });
  /** A healthy cluster: a run changes nothing, both nodes are chassis, their controllers run. */
  const expectHealthy = async () => {
    const r = await install();
    expect(r.code, r.stderr).toBe(0);
    const { recap, tasks } = parseEvents(r.stdout);
    for (const [h, c] of Object.entries(recap.hosts))
      expect(c.changed, `${h}: ${tasks.filter((t) => t.host === h && t.status === 'changed').map((t) => t.task)}`).toBe(
        0,
      );
    const chassis = await on('m1', 'ovn-sbctl --timeout=10 --bare --columns=name list Chassis');
    expect(chassis.split(/\s+/).filter(Boolean).sort()).toEqual(['n1', 'n2']);
    for (const n of ['n1', 'n2']) await on(n, 'kill -0 $(cat /var/run/ovn/ovn-controller.pid)');
  };
  /** Take ovn-host off a node without its dependents, so the next install has an apt step there. */
  const removeOvnHost = (host: string) => on(host, 'dpkg -r --force-depends ovn-host >/dev/null 2>&1');
  /** Hold dpkg's frontend lock the way apt and dpkg take it (fcntl; flock(1) would not block them). */
  const holdDpkgLock = async (host: string, seconds: number): Promise<number> => {
    const held = '/run/ovnctl-test-lock-held';
    const py =
      'import fcntl, time; f = open("/var/lib/dpkg/lock-frontend", "w"); fcntl.lockf(f, fcntl.LOCK_EX); ' +
      `open("${held}", "w").close(); time.sleep(${seconds})`;
    const pid = await on(
      host,
      `rm -f ${held}; setsid python3 -c '${py}' >/dev/null 2>&1 < /dev/null & echo $!; ` +
        `i=0; while [ ! -e ${held} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; test -e ${held}`,
    );
    return Number(pid.trim());
  };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'ovnctl-flt-'));
    await labDown({ dir: FLT.dir });
    lab = await labUp(FLT);
    addr = Object.fromEntries(lab.hosts.map((h) => [h.name, h.address]));
  });
  afterAll(async () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    if (lab) await labDown({ dir: FLT.dir });
  });

  it(
    'a connection cut during the apt step fails that host only; the next run converges with no manual step',
    async () => {
      const run = startCli(['install', '-i', lab.inventory, '--json']);
      // n1's first apt step on a fresh host unpacks Open vSwitch: cut its connection while dpkg works,
      // best when dpkg has journal entries pending (the host's root is an overlay mounted here).
      const journalDir = join(lab.dir, 'hosts', 'n1', 'root', 'var', 'lib', 'dpkg', 'updates');
      const dpkg = await waitFor(
        'dpkg on n1 with journal entries',
        async () => {
          const running = (await hostProcs(lab, 'n1')).sessions.find((p) => p.comm === 'dpkg');
          return running && readdirSync(journalDir).some((f) => /^\d+$/.test(f)) ? running : undefined;
        },
        STEP_MS,
        5,
      );
      const { sessions } = await hostProcs(lab, 'n1');
      kill(sessions.map((p) => p.pid));
      const r = await run.done;
      expect(r.code, r.stderr).toBe(2);
      const { recap, tasks } = parseEvents(r.stdout);
      expect(recap.hosts.n1.failed).toBe(1);
      const failed = tasks.find((t) => t.host === 'n1' && t.status === 'failed')!;
      expect(failed.task).toMatch(/^Install /);
      expect(failed.msg).toMatch(/connection to n1 lost|ended without an exit status/);
      // the others went all the way: no failure, and the last play's ovnkube task ran on them
      for (const h of ['m1', 'n2']) expect(recap.hosts[h]).toMatchObject({ failed: 0, unreachable: 0 });
      expect(tasks.some((t) => t.host === 'n2' && t.task === 'Run ovnkube (node)' && t.status === 'changed')).toBe(
        true,
      );
      expect(dpkg.pid).toBeGreaterThan(0);

      // What the cut left: dpkg killed mid-run (journal entries or half-done packages) - or, if the
      // kill landed between two dpkg calls, nothing; the rerun must converge either way.
      const journal = Number(await on('n1', "ls /var/lib/dpkg/updates/ | grep -c '^[0-9]*$' || true"));
      const unfinished = Number(
        await on('n1', "dpkg-query -W -f='${db:Status-Abbrev}\\n' | cut -c2 | grep -c '[UFWt]' || true"),
      );
      console.log(`[faults] the cut left ${journal} dpkg journal entries and ${unfinished} unfinished packages on n1`);
      const rerun = await install();
      expect(rerun.code, rerun.stderr + rerun.stdout).toBe(0);
      const n1Apt = parseEvents(rerun.stdout).tasks.filter(
        (t) => t.host === 'n1' && t.status === 'changed' && /^Install /.test(t.task),
      );
      if (journal + unfinished > 0)
        expect(n1Apt.map((t) => t.msg).join('\n')).toMatch(/finish the interrupted dpkg run/);
      await expectHealthy();
    },
    STEP_MS * 3,
  );

  it(
    "an interrupted dpkg run (apt: 'dpkg was interrupted') is finished by the next install",
    async () => {
      await removeOvnHost('n2');
      // An empty journal entry is exactly what apt checks: without `dpkg --configure -a` it refuses.
      await on('n2', ': > /var/lib/dpkg/updates/0000');
      expect((await sshRun(lab.dir, addr.n2, 'apt-get -q check 2>&1')).stdout).toMatch(/dpkg was interrupted/);
      const r = await install();
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const apt = parseEvents(r.stdout).tasks.find((t) => t.host === 'n2' && t.task === 'Install ovn-host')!;
      expect(apt).toMatchObject({
        status: 'changed',
        msg: expect.stringMatching(/^finish the interrupted dpkg run \(dpkg --configure -a\), then install ovn-host/),
      });
      expect(await on('n2', 'ls /var/lib/dpkg/updates/')).toBe('');
      await expectHealthy();
    },
    STEP_MS * 2,
  );

  it(
    'a held dpkg lock: ovnctl says it waits, for whom, and proceeds once the lock is free',
    async () => {
      await removeOvnHost('n2');
      const holder = await holdDpkgLock('n2', 6);
      // --json carries the wait as task-progress events; the plain output shows it as a line.
      const r = await ovnctl(['install', '-i', lab.inventory], { timeoutMs: STEP_MS });
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(
          '^progress: \\[n2\\] Install ovn-host: waiting for the lock /var/lib/dpkg/lock-frontend, ' +
            `held by process ${holder} \\(python3\\)`,
          'm',
        ),
      );
      expect(r.stdout).toMatch(/^changed: \[n2\] Install ovn-host/m);
      await expectHealthy();
    },
    STEP_MS * 2,
  );

  it(
    'the lock wait is bounded by packages.lockTimeout (-e): the host fails saying who holds the lock; the rest finish',
    async () => {
      await removeOvnHost('n2');
      const holder = await holdDpkgLock('n2', 600);
      try {
        const r = await install('-e', 'packages.lockTimeout=2');
        expect(r.code, r.stderr).toBe(2);
        const { recap, tasks } = parseEvents(r.stdout);
        expect(recap.hosts.n2.failed).toBe(1);
        expect(recap.hosts.n1).toMatchObject({ failed: 0, unreachable: 0 });
        const failed = tasks.find((t) => t.host === 'n2' && t.status === 'failed')!;
        expect(failed.task).toBe('Install ovn-host');
        expect(failed.msg).toContain('DPkg::Lock::Timeout=2 ');
        expect(failed.msg).toMatch(/Unable to acquire the dpkg frontend lock/);
        expect(failed.msg).toMatch(
          new RegExp(
            '\\(last progress: waiting for the lock /var/lib/dpkg/lock-frontend, ' +
              `held by process ${holder} \\(python3\\)`,
          ),
        );
        const waits = r.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
          .filter((e) => e.type === 'task-progress');
        expect(waits).toEqual([
          {
            type: 'task-progress',
            play: 'OVN host (nodes)',
            task: 'Install ovn-host',
            host: 'n2',
            msg: expect.stringMatching(/^waiting for the lock \/var\/lib\/dpkg\/lock-frontend/),
          },
        ]);
      } finally {
        await on('n2', `kill ${holder}`);
      }
      // Once the lock is free, the next run installs what the failed one could not.
      const rerun = await install();
      expect(rerun.code, rerun.stderr + rerun.stdout).toBe(0);
      expect(
        parseEvents(rerun.stdout).tasks.find((t) => t.host === 'n2' && t.task === 'Install ovn-host')!.status,
      ).toBe('changed');
      await expectHealthy();
    },
    STEP_MS * 2,
  );

  it(
    'a host that answers slowly fails alone at ssh.commandTimeout, and its stuck command is killed there',
    async () => {
      // dpkg-query hangs on n2: the apt facts never come back.
      await on(
        'n2',
        'mv /usr/bin/dpkg-query /usr/bin/dpkg-query.real && ' +
          'printf \'#!/bin/sh\\nsleep 3600\\nexec /usr/bin/dpkg-query.real "$@"\\n\' > /usr/bin/dpkg-query && ' +
          'chmod 755 /usr/bin/dpkg-query',
      );
      try {
        const slow = inventoryWith('slow', (inv) => (inv.ssh.commandTimeout = 5));
        const r = await ovnctl(['install', '-i', slow, '--json'], { timeoutMs: STEP_MS });
        expect(r.code, r.stderr).toBe(2);
        const { recap, tasks } = parseEvents(r.stdout);
        expect(recap.hosts.n2.failed).toBe(1);
        for (const h of ['m1', 'n1']) expect(recap.hosts[h]).toMatchObject({ failed: 0, unreachable: 0, changed: 0 });
        expect(tasks.find((t) => t.host === 'n2' && t.status === 'failed')!.msg).toMatch(
          /timed out after [\d.]+ s \(ssh\.commandTimeout\)/,
        );
        // The remote side gives up too (timeout -s KILL a second after ovnctl stops waiting).
        await waitFor(
          'the stuck dpkg-query on n2 to be killed',
          async () => ((await hostProcs(lab, 'n2')).all.some((p) => p.comm === 'dpkg-query') ? undefined : true),
          30_000,
          200,
        );
      } finally {
        await on('n2', 'mv -f /usr/bin/dpkg-query.real /usr/bin/dpkg-query');
      }
      await expectHealthy();
    },
    STEP_MS * 2,
  );

  it(
    'Ctrl-C mid-run: connections closed, recap printed, exit 130; the rerun converges',
    async () => {
      await removeOvnHost('n1');
      await removeOvnHost('n2');
      const run = startCli(['install', '-i', lab.inventory]);
      await waitFor('apt on n1', async () =>
        (await hostProcs(lab, 'n1')).sessions.find((p) => p.comm === 'apt-get' || p.comm === 'dpkg'),
      );
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toMatch(/interrupted: closing connections/);
      expect(r.stdout).toMatch(/PLAY RECAP\n/);
      expect(r.stdout).toMatch(/\ninterrupted$/m);
      expect(r.stdout).not.toMatch(/^PLAY \[ovnkube \(nodes\)\]/m); // no play started after Ctrl-C
      // ovnctl's sessions are gone from every host (what they started may finish on its own)
      for (const h of ['m1', 'n1', 'n2']) {
        await waitFor(
          `no ssh session on ${h}`,
          async () => ((await hostProcs(lab, h)).sessions.some((p) => p.comm.startsWith('sshd')) ? undefined : true),
          30_000,
          200,
        );
      }
      const rerun = await install();
      expect(rerun.code, rerun.stderr + rerun.stdout).toBe(0);
      await expectHealthy();
    },
    STEP_MS * 3,
  );

  it(
    'a host whose sshd is dead: the others finish, the recap marks it unreachable, exit 4',
    async () => {
      // Killing the host's sshd (its pid 1, tini, exits with it) brings the host down: connection refused.
      const { sshd } = await hostProcs(lab, 'n2');
      kill([sshd.pid]);
      await waitFor(
        'n2 to be down',
        async () => ((await labStatus({ dir: lab.dir })).hosts.find((h) => h.name === 'n2')!.alive ? undefined : true),
        30_000,
        100,
      );
      const r = await install();
      expect(r.code, r.stderr).toBe(4);
      const { recap, tasks } = parseEvents(r.stdout);
      expect(recap.hosts.n2).toEqual({ ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 1 });
      expect(tasks.find((t) => t.host === 'n2')!.msg).toMatch(
        /^n2 \(root@[\d.]+:22\): (connection refused|no route to host|timed out)/,
      );
      for (const h of ['m1', 'n1']) expect(recap.hosts[h]).toMatchObject({ failed: 0, unreachable: 0, changed: 0 });
      expect(tasks.some((t) => t.host === 'n1' && t.task === 'Run ovnkube (node)' && t.status === 'ok')).toBe(true);
    },
    STEP_MS,
  );
});
