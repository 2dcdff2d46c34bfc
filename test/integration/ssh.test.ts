// SshConnection against a real OpenSSH sshd (no ssh2 mocks): exec semantics, quoting, uploads,
// become, channel limits, timeouts.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CHANNELS, SshConnection } from '../../src/connection/ssh.js';
import { quote } from '../../src/shell/quote.js';
import { hostFor, sshdSkipReason, startSshd, type TestSshd } from '../helpers/sshd.js';

const skip = sshdSkipReason();

describe.skipIf(skip)(`SshConnection exec on a real sshd${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let knownHosts: string;
  let conn: SshConnection;
  // A throwaway user whose sudo wants a password (sudoers drop-in without NOPASSWD).
  const user = `ovnctl-t${process.pid}`;
  const sudoers = `/etc/sudoers.d/${user}`;

  beforeAll(async () => {
    sshd = await startSshd();
    knownHosts = join(sshd.dir, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
    conn = new SshConnection(hostFor(sshd, knownHosts));
    await conn.connect();
    // '*' is an unusable but unlocked password: sshd (UsePAM no) lets the key in, sudo still asks.
    execFileSync('useradd', ['-m', '-s', '/bin/sh', '-p', '*', user]);
    writeFileSync(sudoers, `${user} ALL=(ALL) ALL\n`, { mode: 0o440 });
  });

  afterAll(async () => {
    await conn?.close();
    rmSync(sudoers, { force: true });
    try {
      execFileSync('userdel', ['-r', user], { stdio: 'ignore' });
    } catch {
      // never created
    }
    await sshd?.stop();
  });

  it('returns stdout, stderr and exit codes', async () => {
    const ok = await conn.exec('echo out; echo err >&2');
    expect(ok).toMatchObject({
      exitCode: 0,
      stdout: 'out\n',
      stderr: 'err\n',
      failed: false,
      timedOut: false,
      command: 'echo out; echo err >&2',
    });
    expect(ok.durationMs).toBeGreaterThanOrEqual(0);
    const bad = await conn.exec('exit 3', { display: 'shown instead' });
    expect(bad).toMatchObject({ exitCode: 3, failed: true, command: 'shown instead' });
  });

  it('runs POSIX sh whatever the login shell is', async () => {
    // root's login shell is bash here; the script runs under sh -c either way.
    const res = await conn.exec('readlink /proc/$$/exe');
    expect(res.stdout.trim()).toMatch(/\/(dash|sh)$/);
  });

  it('reports a signal death as exitCode null, failed', async () => {
    const res = await conn.exec('kill -TERM $$');
    expect(res.exitCode).toBeNull();
    expect(res.failed).toBe(true);
    expect(res.signal).toBe('SIGTERM');
  });

  const hostile =
    `it's "$(id -u)" \`id\` $HOME \\ \\' '\\'' ; | & > * ?\nsecond line\n` + `\ttab ünïcødé 🚀 ${'x'.repeat(3000)} end`;

  it('hostile values passed through quote reach the remote shell byte-exact', async () => {
    const res = await conn.exec(`printf '%s' ${quote(hostile)}`);
    expect(res.exitCode).toBe(0);
    expect(res.stdout).toBe(hostile);
  });

  it('hostile values survive a dash login shell and sudo too', async () => {
    const viaUser = new SshConnection(hostFor(sshd, knownHosts, { ssh: { user } }));
    const asRoot = new SshConnection(hostFor(sshd, knownHosts, { become: true }));
    try {
      expect((await viaUser.exec(`printf '%s' ${quote(hostile)}`)).stdout).toBe(hostile);
      expect((await asRoot.exec(`printf '%s' ${quote(hostile)}`)).stdout).toBe(hostile);
    } finally {
      await Promise.all([viaUser.close(), asRoot.close()]);
    }
  });

  it('uploads binary stdin byte-exact (larger than the ssh window)', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 17);
    const res = await conn.exec('sha256sum', { stdin: data });
    expect(res.exitCode).toBe(0);
    expect(res.stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
    const text = await conn.exec('cat', { stdin: 'héllo\n' });
    expect(text.stdout).toBe('héllo\n');
  });

  it('gives stdin EOF when none is passed', async () => {
    const res = await conn.exec('cat; echo done', { timeoutMs: 5_000 });
    expect(res).toMatchObject({ exitCode: 0, stdout: 'done\n', timedOut: false });
  });

  it('become: true runs through sudo -n as root', async () => {
    const c = new SshConnection(hostFor(sshd, knownHosts, { become: true }));
    try {
      const res = await c.exec('echo "$(id -u) $SUDO_USER"');
      expect(res).toMatchObject({ exitCode: 0, stdout: '0 root\n' });
    } finally {
      await c.close();
    }
  });

  it('become for a user whose sudo wants a password says so clearly', async () => {
    const c = new SshConnection(hostFor(sshd, knownHosts, { name: 'pw-host', become: true, ssh: { user } }));
    try {
      const res = await c.exec('id -u');
      expect(res.failed).toBe(true);
      expect(res.exitCode).toBe(1);
      expect(res.stderr.split('\n')[0]).toBe(
        `sudo on pw-host wants a password; ovnctl runs sudo -n: allow NOPASSWD for ${user} or connect as root`,
      );
      expect(res.stderr).toMatch(/sudo: a password is required/);
    } finally {
      await c.close();
    }
  });

  it(`runs 40 concurrent execs on one connection with at most ${MAX_CHANNELS} channels open`, async () => {
    const c = new SshConnection(hostFor(sshd, knownHosts));
    try {
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => c.exec(`sleep 0.2; echo ${i}`)));
      for (const [i, r] of results.entries()) expect(r).toMatchObject({ exitCode: 0, stdout: `${i}\n` });
      expect(c.peakChannels).toBeLessThanOrEqual(MAX_CHANNELS);
      expect(c.peakChannels).toBeGreaterThan(1);
    } finally {
      await c.close();
    }
  });

  it('per-command timeout closes the channel and kills the command; the connection stays usable', async () => {
    const count = "ps -eo args | grep -c '^sleep 37\\.5$'"; // the sleep itself, not a shell naming it
    const t0 = Date.now();
    const res = await conn.exec('sleep 37.5; echo never', { timeoutMs: 300 });
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(res).toMatchObject({ timedOut: true, failed: true, exitCode: null, stdout: '' });
    expect((await conn.exec('echo still here')).stdout).toBe('still here\n');
    // The remote backstop (timeout -s KILL, a second later) leaves nothing running.
    expect((await conn.exec(count)).stdout.trim()).toBe('1');
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await conn.exec(count)).stdout.trim()).toBe('0');
  });

  it('a command with a timeout still gets the script byte-exact and its stdin', async () => {
    const res = await conn.exec(`printf '%s' ${quote(hostile)}; cat`, { timeoutMs: 10_000, stdin: 'and stdin' });
    expect(res).toMatchObject({ exitCode: 0, timedOut: false, stdout: `${hostile}and stdin` });
  });

  it('takes the default timeout from ssh.commandTimeoutMs', async () => {
    const c = new SshConnection(hostFor(sshd, knownHosts, { ssh: { commandTimeoutMs: 200 } }));
    try {
      expect(await c.exec('sleep 5')).toMatchObject({ timedOut: true, failed: true });
      expect(await c.exec('true', { timeoutMs: 0 })).toMatchObject({ timedOut: false, exitCode: 0 });
    } finally {
      await c.close();
    }
  });

  it('connect() is idempotent and exec connects lazily; close() resolves', async () => {
    const c = new SshConnection(hostFor(sshd, knownHosts));
    expect((await c.exec('echo lazy')).stdout).toBe('lazy\n');
    await Promise.all([c.connect(), c.connect()]);
    const t0 = Date.now();
    await c.close();
    await c.close();
    expect(Date.now() - t0).toBeLessThan(2_500);
    await expect(c.exec('true')).rejects.toThrow(/connection to h1 lost/);
  });
});

describe.skipIf(skip)(`SshConnection against a stingy MaxSessions${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd({ extraConfig: ['MaxSessions 6', 'LogLevel DEBUG1'] });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('retries channels the server refuses for a moment', async () => {
    const knownHosts = join(sshd.dir, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
    const c = new SshConnection(hostFor(sshd, knownHosts));
    try {
      const results = await Promise.all(Array.from({ length: MAX_CHANNELS }, (_, i) => c.exec(`sleep 0.2; echo ${i}`)));
      for (const [i, r] of results.entries()) expect(r).toMatchObject({ exitCode: 0, stdout: `${i}\n` });
      expect(sshd.log()).toMatch(/no more sessions/);
    } finally {
      await c.close();
    }
  });
});
