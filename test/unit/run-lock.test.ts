// The host-side run lock (src/playbook/run-lock.ts) with the real lock script, flock and sh on this
// machine through LocalConnection, in a temp dir instead of /run/ovnctl: who wins, what the loser is told,
// the holder written byte-exact however hostile its text, and the lock gone when its holder lets go.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import type { Connection, ExecOptions, ExecResult } from '../../src/connection/types.js';
import {
  describeHolder,
  HostRunLock,
  type Holder,
  lockScript,
  type RunLockOptions,
} from '../../src/playbook/run-lock.js';

const A: Holder = { command: 'install', start: '2026-12-02T18:30:01.123Z', host: 'ctl-a', pid: 4242 };
const B: Holder = { command: 'uninstall', start: '2026-12-02T18:31:00.000Z', host: 'ctl-b', pid: 777 };

const conns: LocalConnection[] = [];
afterEach(async () => {
  await Promise.all(conns.splice(0).map((c) => c.close()));
});

function lockIn(dir: string, holder: Holder, o: Partial<RunLockOptions> = {}) {
  const conn = new LocalConnection('h1');
  conns.push(conn);
  return new HostRunLock(conn, 'h1', { command: holder.command, timeoutS: 0, dir, ...o }, holder);
}

const tmp = () => mkdtempSync(join(tmpdir(), 'ovnctl-lock-'));

describe('HostRunLock on a real flock', () => {
  it('the first run takes it and writes who it is next to the lock', async () => {
    const dir = tmp();
    const a = lockIn(dir, A);
    expect(await a.acquire(() => undefined)).toEqual({ waited: false });
    expect(JSON.parse(readFileSync(join(dir, 'holder'), 'utf8'))).toEqual(A);
    expect(a.path).toBe(`${dir}/run.lock`);
  });

  it('a second run fails at once (--lock-timeout 0), naming the holder: command, pid, machine, start', async () => {
    const dir = tmp();
    await lockIn(dir, A).acquire(() => undefined);
    const b = lockIn(dir, B);
    const waits: string[] = [];
    const err = await b.acquire((m) => waits.push(m)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error & { exitCode: number }).exitCode).toBe(2);
    expect((err as Error).message).toBe(
      `the run lock ${dir}/run.lock on h1 is held by ovnctl install (pid 4242 on ctl-a, started ` +
        '2026-12-02T18:30:01.123Z); wait for it with --lock-timeout SECONDS',
    );
    expect(waits).toEqual([]); // it does not wait
    // The loser did not overwrite who holds it.
    expect(JSON.parse(readFileSync(join(dir, 'holder'), 'utf8'))).toEqual(A);
  });

  it('with --lock-timeout the second run says whom it waits for, and gets it once the first lets go', async () => {
    const dir = tmp();
    const a = lockIn(dir, A);
    await a.acquire(() => undefined);
    const b = lockIn(dir, B, { timeoutS: 60 });
    const waits: string[] = [];
    const got = b.acquire((m) => {
      waits.push(m);
      a.release();
    });
    expect(await got).toEqual({ waited: true });
    expect(waits).toEqual([
      'waiting for the run lock held by ovnctl install (pid 4242 on ctl-a, started 2026-12-02T18:30:01.123Z), ' +
        'up to 60 s (--lock-timeout)',
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'holder'), 'utf8'))).toEqual(B);
  });

  it('a wait that runs out fails naming the holder and the time waited', async () => {
    const dir = tmp();
    await lockIn(dir, A).acquire(() => undefined);
    const err = await lockIn(dir, B, { timeoutS: 1 })
      .acquire(() => undefined)
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(/is held by ovnctl install \(pid 4242 on ctl-a, .*\); still held after 1 s/);
  });

  it('an older run does not wait for a younger one: it fails that host at once, even with --lock-timeout', async () => {
    const dir = tmp();
    await lockIn(dir, B).acquire(() => undefined);
    const t0 = Date.now();
    const err = await lockIn(dir, A, { timeoutS: 60 })
      .acquire(() => undefined)
      .catch((e: Error) => e);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect((err as Error & { exitCode: number }).exitCode).toBe(2);
    expect((err as Error).message).toBe(
      `the run lock ${dir}/run.lock on h1 is held by ovnctl uninstall (pid 777 on ctl-b, started ` +
        '2026-12-02T18:31:00.000Z), which started after this run; a run does not wait for a younger one ' +
        '(two runs could each wait for the hosts the other holds): rerun when it is done',
    );
  });

  it('two waiting runs that each took one of two hosts: the older fails the other, the younger gets both', async () => {
    const [h1, h2] = [tmp(), tmp()];
    const a1 = lockIn(h1, A, { timeoutS: 60 });
    const b2 = lockIn(h2, B, { timeoutS: 60 });
    await Promise.all([a1.acquire(() => undefined), b2.acquire(() => undefined)]);
    const t0 = Date.now();
    const a2 = lockIn(h2, A, { timeoutS: 60 });
    const b1 = lockIn(h1, B, { timeoutS: 60 });
    const bWaits: string[] = [];
    const b1Got = b1.acquire((m) => bWaits.push(m));
    const a2Err = await a2.acquire(() => undefined).catch((e: Error) => e);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect((a2Err as Error).message).toMatch(/on h1 is held by ovnctl uninstall .* which started after this run/);
    // A goes on with h1 alone and ends; B, which waited for it, then holds both.
    a1.release();
    expect(await b1Got).toEqual({ waited: true });
    expect(bWaits[0]).toMatch(/^waiting for the run lock held by ovnctl install \(pid 4242/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    for (const d of [h1, h2]) expect(JSON.parse(readFileSync(join(d, 'holder'), 'utf8'))).toEqual(B);
  });

  it('a waiting run gives up when a younger run becomes the holder while it waits', async () => {
    const dir = tmp();
    const C: Holder = { command: 'install', start: '2026-12-02T18:32:00.000Z', host: 'ctl-c', pid: 1 };
    await lockIn(dir, A).acquire(() => undefined);
    const waits: string[] = [];
    const b = lockIn(dir, B, { timeoutS: 60 }).acquire((m) => waits.push(m));
    await new Promise((r) => setTimeout(r, 500));
    // As if A had let go and C, started after B, had taken the lock before B's flock did.
    writeFileSync(join(dir, 'holder'), `${JSON.stringify(C)}\n`);
    const err = await b.catch((e: Error) => e);
    expect((err as Error).message).toMatch(/held by ovnctl install \(pid 1 on ctl-c, .*which started after this run/);
    expect(waits.map((w) => w.replace(/ \(pid.*/, ''))).toEqual([
      'waiting for the run lock held by ovnctl install',
      'waiting for the run lock held by ovnctl install',
    ]);
  }, 15_000);

  it('closing the connection releases it (as a dead ssh connection ends the held command)', async () => {
    const dir = tmp();
    const conn = new LocalConnection('h1');
    const a = new HostRunLock(conn, 'h1', { command: 'install', timeoutS: 0, dir }, A);
    await a.acquire(() => undefined);
    await conn.close();
    // It may still be going when b asks (then b waits a moment): b must get it either way, within 10 s.
    await expect(lockIn(dir, B, { timeoutS: 10 }).acquire(() => undefined)).resolves.toHaveProperty('waited');
  });

  it('a holder and a directory that are hostile to the shell reach the host byte-exact', async () => {
    const dir = join(tmp(), `it's a "dir" $(touch x) \`y\``);
    const evil: Holder = {
      command: `run '; touch /tmp/pwned #.yaml`,
      start: '$(id)',
      host: 'a\nb\\c "d" `e`',
      pid: 1,
    };
    await lockIn(dir, evil).acquire(() => undefined);
    expect(JSON.parse(readFileSync(join(dir, 'holder'), 'utf8'))).toEqual(evil);
  });

  it('a lock that cannot be taken says why (here: its directory is a file)', async () => {
    const dir = join(tmp(), 'file');
    writeFileSync(dir, '');
    const err = await lockIn(dir, A)
      .acquire(() => undefined)
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^cannot take the run lock .*\/file\/run\.lock on h1 \(exit \d+\): .*mkdir/);
  });
});

describe('the holder as the loser shows it', () => {
  it('names command, pid, machine and start from the JSON line', () => {
    expect(describeHolder(JSON.stringify(A))).toBe(
      'ovnctl install (pid 4242 on ctl-a, started 2026-12-02T18:30:01.123Z)',
    );
  });

  it('an empty file: the winner has not written it yet', () => {
    expect(describeHolder('')).toBe('another run (it has not written who it is yet)');
  });

  it('text that is not ours is quoted, without control characters, and bounded', () => {
    expect(describeHolder('someone \u001b[31mred\u0007')).toBe('"someone ?[31mred?"');
    expect(describeHolder(JSON.stringify({ ...A, host: 'x\u001b]0;title\u0007' }))).toContain('on x?]0;title?,');
    expect(describeHolder('z'.repeat(5000)).length).toBeLessThan(210);
  });
});

describe('the lock script', () => {
  it('waits with flock -w only when --lock-timeout is given, and quotes the holder as one word', () => {
    const s0 = lockScript('/run/ovnctl', 0, A);
    expect(s0).not.toContain('flock -w');
    expect(s0).toContain('exit 75');
    const s300 = lockScript('/run/ovnctl', 300, A);
    expect(s300).toContain('end=$(( $(date +%s) + 300 ))');
    expect(s300).toContain('flock -w "$left" 9 && break');
    expect(s0).toContain(`printf '%s\\n' '${JSON.stringify(A)}' >"$d/holder.$$"`);
    // Held by the shell reading stdin: the lock lives exactly as long as the caller keeps stdin open.
    expect(s0.trim().endsWith('while read -r _; do :; done')).toBe(true);
  });
});

describe('a lock whose command ends while held', () => {
  it('is reported lost; one that was let go is not', async () => {
    const fake = (): Connection => ({
      hostName: 'h1',
      peakChannels: 1,
      connect: async () => undefined,
      close: async () => undefined,
      exec: async (_s: string, o: ExecOptions = {}): Promise<ExecResult> => {
        o.onOutput?.('locked', 'stdout');
        await new Promise((r) => setTimeout(r, 10));
        const res = { command: 'x', stdout: 'locked\n', stderr: '', durationMs: 10, timedOut: false };
        return { ...res, exitCode: 137, failed: true };
      },
    });
    const killed = new HostRunLock(fake(), 'h1', { command: 'install', timeoutS: 0 }, A);
    await killed.acquire(() => undefined);
    await new Promise((r) => setTimeout(r, 30));
    expect(killed.lost).toBe('the lock command ended (exit 137)');
    const released = new HostRunLock(fake(), 'h1', { command: 'install', timeoutS: 0 }, A);
    await released.acquire(() => undefined);
    released.release();
    await new Promise((r) => setTimeout(r, 30));
    expect(released.lost).toBeUndefined();
  });
});
