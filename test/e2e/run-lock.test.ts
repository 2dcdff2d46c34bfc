// The host-side run lock on the shared lab, with concurrent `ovnctl install` runs as users would start
// them: a killed holder (kill -9) leaves no lock behind; while an install holds the lock, a second one fails
// at once (exit 2) naming it and changes nothing; with --lock-timeout a third waits, says for whom, and
// then finds nothing left to do.
import { type ChildProcess, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { beforeAll, expect, it } from 'vitest';
import { CLI, type CliResult, parseEvents } from '../helpers/cli.js';
import { describeLab, labContext, labHosts, sshRun } from '../helpers/lab.js';

interface Started {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** stdout so far. */
  out: () => string;
}

/** `ovnctl args` started in the background; its pid is the holder pid the lock names. */
function start(args: string[]): Started {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, sig) => resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr })),
  );
  return { child, done, out: () => stdout };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeLab('the run lock on the lab', () => {
  const { inventory, dir } = labContext();
  let addrs: string[];

  /** Until every host's holder file names `pid` (it holds the lock there), or the run ended. */
  async function heldEverywhereBy(run: Started, pid: number): Promise<void> {
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      const holders = await Promise.all(addrs.map((a) => sshRun(dir, a, 'cat /run/ovnctl/holder 2>/dev/null')));
      if (holders.every((h) => h.stdout.includes(`"pid":${pid}`))) return;
      if (run.child.exitCode !== null) throw new Error("the run ended before it held every host's lock");
      await sleep(200);
    }
    throw new Error(`pid ${pid} did not hold every host's lock within 2 minutes`);
  }

  beforeAll(async () => {
    addrs = (await labHosts(dir)).map((h) => h.address);
  });

  it('kill -9 frees the lock; a second install fails at once naming the holder; a third waits', async () => {
    // 1. An install that holds every host's lock is killed: the lock goes with its connections.
    const killed = start(['install', '-i', inventory]);
    await heldEverywhereBy(killed, killed.child.pid!);
    killed.child.kill('SIGKILL');
    await killed.done;

    // 2. The next install gets the lock (a lock still held would fail it after 60 s) and does the work.
    const first = start(['install', '-i', inventory, '--lock-timeout', '60']);
    const pid = first.child.pid!;
    await heldEverywhereBy(first, pid);

    // 3. A second install while the first holds the lock: exit 2 at once, naming the first, nothing changed.
    const second = await start(['install', '-i', inventory, '--json']).done;
    expect(first.child.exitCode, 'the first install was still running').toBeNull();
    expect(second.code, second.stdout + second.stderr).toBe(2);
    const { tasks, recap } = parseEvents(second.stdout);
    const lockTasks = tasks.filter((t) => t.task === 'run lock');
    expect(lockTasks.map((t) => t.status)).toEqual(['failed', 'failed', 'failed']);
    for (const t of lockTasks) {
      expect(t.msg).toMatch(/^the run lock \/run\/ovnctl\/run\.lock on \S+ is held by ovnctl install /);
      expect(t.msg).toContain(`(pid ${pid} on ${hostname()}, started 20`);
      expect(t.msg).toContain('wait for it with --lock-timeout SECONDS');
    }
    for (const counts of Object.values(recap.hosts)) expect(counts.changed).toBe(0);

    // 4. A third with --lock-timeout waits for the first, says so, then finds nothing left to do.
    const third = start(['install', '-i', inventory, '--json', '--lock-timeout', '300']);
    while (!third.out().includes('waiting for the run lock')) {
      expect(third.child.exitCode, 'the third install ended without waiting').toBeNull();
      await sleep(200);
    }
    expect(first.child.exitCode, 'the third waited while the first still ran').toBeNull();
    const [a, c] = await Promise.all([first.done, third.done]);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    const waited = c.stdout
      .split('\n')
      .filter((l) => l.includes('"task-progress"') && l.includes('"run lock"'))
      .map((l) => JSON.parse(l).msg as string);
    expect(waited.length).toBeGreaterThan(0);
    for (const msg of waited) {
      expect(msg).toMatch(/^waiting for the run lock held by ovnctl install \(pid \d+ on .*\), up to 300 s/);
      expect(msg).toContain(`(pid ${pid} on ${hostname()}`);
    }
    for (const [host, counts] of Object.entries(parseEvents(c.stdout).recap.hosts)) {
      expect(counts, host).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    }
  });
});
