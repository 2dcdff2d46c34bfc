// The host-side run lock on the shared lab, with concurrent `ovnctl install` runs as users would start
// them: a killed holder (kill -9) leaves no lock behind; while an install holds the lock, a second one fails
// at once (exit 2) naming it and changes nothing; with --lock-timeout a third waits, says for whom, and
// then finds nothing left to do. An install on an installed lab ends in a second or two, so the test keeps
// the runs it needs alive by holding n2's lock itself (as another tool would), with flock over ssh.
import { type ChildProcess, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { beforeAll, expect, it } from 'vitest';
import { CLI, type CliResult, parseEvents } from '../helpers/cli.js';
import { describeLab, labContext, labHosts, sshArgs, sshRun } from '../helpers/lab.js';

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

/** What the test's own hold writes as holder: not an ovnctl run, so a loser shows it quoted, as it is. */
const BY_HAND = 'the e2e test, by hand';

/**
 * Holds the run lock on a host as any other flock user would, until released: the runs that want that host
 * wait (or fail), and so stay alive for as long as the test needs them. Resolves once the lock is held.
 */
async function holdByHand(dir: string, address: string): Promise<{ release: () => Promise<void> }> {
  const script = [
    'mkdir -p /run/ovnctl && exec 9>>/run/ovnctl/run.lock && flock 9 || exit 1',
    `printf '%s\\n' '${BY_HAND}' >/run/ovnctl/holder && echo locked`,
    'exec cat >/dev/null',
  ].join('\n');
  const child = spawn('ssh', [...sshArgs(dir, address), script]);
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked\n')) resolve();
    });
    child.on('close', (code) => reject(new Error(`the hold by hand on ${address} ended (${code}): ${err}`)));
  });
  return {
    release: async () => {
      child.stdin.end();
      await closed;
    },
  };
}

describeLab('the run lock on the lab', () => {
  const { inventory, dir } = labContext();
  const addr: Record<string, string> = {};

  const holderOn = async (host: string) => (await sshRun(dir, addr[host], 'cat /run/ovnctl/holder 2>/dev/null')).stdout;

  /** Until the holder file on each of `hosts` names `pid` (it holds the lock there), or the run ended. */
  async function heldBy(run: Started, pid: number, hosts: string[]): Promise<void> {
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      const holders = await Promise.all(hosts.map(holderOn));
      if (holders.every((h) => h.includes(`"pid":${pid}`))) return;
      if (run.child.exitCode !== null) throw new Error(`the run ended before it held the lock on ${hosts}`);
      await sleep(200);
    }
    throw new Error(`pid ${pid} did not hold the lock on ${hosts} within 2 minutes`);
  }

  /** Until the run says it waits for a lock (it holds what it could take and is alive). */
  async function waiting(run: Started): Promise<void> {
    while (!run.out().includes('waiting for the run lock')) {
      expect(run.child.exitCode, 'the run ended without waiting').toBeNull();
      await sleep(200);
    }
  }

  beforeAll(async () => {
    for (const h of await labHosts(dir)) addr[h.name] = h.address;
    // Installed, so every install below has nothing to change (a third run "finds nothing left to do").
    const r = await start(['install', '-i', inventory]).done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('kill -9 frees the lock; a second install fails at once naming the holder; a third waits', async () => {
    // 1. An install that holds m1's and n1's locks (and waits for n2's) is killed: the locks go with its
    //    connections.
    let n2 = await holdByHand(dir, addr.n2);
    const killed = start(['install', '-i', inventory, '--json', '--lock-timeout', '300']);
    await heldBy(killed, killed.child.pid!, ['m1', 'n1']);
    await waiting(killed);
    killed.child.kill('SIGKILL');
    await killed.done;

    // 2. The next install gets m1's and n1's locks at once (a lock still held would make it wait) and
    //    waits for n2's, which the test still holds.
    const first = start(['install', '-i', inventory, '--json', '--lock-timeout', '300']);
    const pid = first.child.pid!;
    await heldBy(first, pid, ['m1', 'n1']);
    await waiting(first);

    // 3. A second install while they hold the locks: exit 2 at once on every host, naming the holder there,
    //    nothing changed.
    const second = await start(['install', '-i', inventory, '--json']).done;
    expect(first.child.exitCode, 'the first install was still running').toBeNull();
    expect(second.code, second.stdout + second.stderr).toBe(2);
    const { tasks, recap } = parseEvents(second.stdout);
    const lockTasks = tasks.filter((t) => t.task === 'run lock');
    expect(lockTasks.map((t) => t.host).sort()).toEqual(['m1', 'n1', 'n2']);
    for (const t of lockTasks) {
      expect(t.status).toBe('failed');
      expect(t.msg).toMatch(/^the run lock \/run\/ovnctl\/run\.lock on \S+ is held by /);
      expect(t.msg).toContain('wait for it with --lock-timeout SECONDS');
      if (t.host === 'n2') expect(t.msg).toContain(`held by "${BY_HAND}"`);
      else expect(t.msg).toContain(`held by ovnctl install (pid ${pid} on ${hostname()}, started 20`);
    }
    for (const counts of Object.values(recap.hosts)) expect(counts.changed).toBe(0);

    // 4. A third with --lock-timeout waits for the first, says for whom, then finds nothing left to do.
    //    Limited to m1 and n1, so that once n2 is let go the first alone wants it.
    const third = start(['install', '-i', inventory, '--limit', 'm1,n1', '--json', '--lock-timeout', '300']);
    await waiting(third);
    expect(first.child.exitCode, 'the third waited while the first still ran').toBeNull();
    await n2.release();
    const [a, c] = await Promise.all([first.done, third.done]);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    const waited = c.stdout
      .split('\n')
      .filter((l) => l.includes('"task-progress"') && l.includes('"run lock"'))
      .map((l) => JSON.parse(l) as { host: string; msg: string });
    expect([...new Set(waited.map((w) => w.host))].sort()).toEqual(['m1', 'n1']);
    for (const { msg } of waited) {
      expect(msg).toMatch(/^waiting for the run lock held by ovnctl install \(pid \d+ on .*\), up to 300 s/);
      expect(msg).toContain(`(pid ${pid} on ${hostname()}`);
    }
    for (const [host, counts] of Object.entries(parseEvents(c.stdout).recap.hosts)) {
      expect(counts, host).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    }
    n2 = await holdByHand(dir, addr.n2); // the lock is free again once both ended
    await n2.release();
  });
});
