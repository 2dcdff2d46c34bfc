// Connecting and losing connections against a real sshd: unreachable causes, auth methods,
// encrypted keys, ssh-agent, and a connection that dies mid-exec.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OvnctlError, UnreachableError } from '../../src/errors.js';
import { MAX_HANDSHAKES, SshConnection } from '../../src/connection/ssh.js';
import { freePort, hostFor, keygen, sshdSkipReason, startSshd, type TestSshd } from '../helpers/sshd.js';

const skip = sshdSkipReason();

describe.skipIf(skip)(`connecting to a real sshd${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let knownHosts: string;
  let dir: string;
  let encryptedKey: string;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'ovnctl-conn-'));
    knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
    encryptedKey = join(dir, 'id_encrypted');
    appendFileSync(sshd.authorizedKeysPath, `${keygen(encryptedKey, { passphrase: 's3cret phrase' })}\n`);
  });
  afterAll(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const expectUnreachable = async (c: SshConnection, pattern: RegExp, withinMs: number) => {
    const t0 = Date.now();
    const err = await c.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - t0).toBeLessThan(withinMs);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as UnreachableError).exitCode).toBe(4);
    expect((err as Error).message).toMatch(pattern);
    expect((err as Error).message).not.toContain('\n');
    // exec on a host that never connected reports it unreachable too.
    await expect(c.exec('true')).rejects.toBeInstanceOf(UnreachableError);
    await c.close();
  };

  it('a closed port is unreachable quickly: connection refused', async () => {
    const port = await freePort();
    const c = new SshConnection(hostFor(sshd, knownHosts, { name: 'gone', ssh: { port } }));
    await expectUnreachable(c, new RegExp(`^gone \\(root@127\\.0\\.0\\.1:${port}\\): connection refused$`), 1_000);
  });

  it('an unresolvable name is unreachable: cannot resolve', async () => {
    const c = new SshConnection(hostFor(sshd, knownHosts, { address: 'no-such-host.invalid' }));
    await expectUnreachable(c, /cannot resolve no-such-host\.invalid/, 10_000);
  });

  it('a server that never answers times out after connectTimeoutMs, tried twice', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const c = new SshConnection(hostFor(sshd, knownHosts, { ssh: { port, connectTimeoutMs: 400 } }));
      const started = Date.now();
      await expectUnreachable(c, /timed out after 400 ms \(tried 2 times\)/, 3_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(800);
      expect(c.retries).toBe(1);
      expect(sockets).toHaveLength(2);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('a link that goes silent loses its host after ssh.keepaliveTimeout, naming the setting', async () => {
    // A relay to sshd that stops passing the server's bytes once the session is up: no RST, no FIN,
    // as when a cable or a firewall drops the link mid-command.
    let mute = false;
    const pairs: Socket[] = [];
    const relay: Server = createServer((down) => {
      const up = connect(sshd.port, '127.0.0.1');
      pairs.push(down, up);
      down.pipe(up);
      up.on('data', (d) => {
        if (!mute) down.write(d);
      });
      for (const s of [down, up]) s.on('error', () => {});
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const port = (relay.address() as { port: number }).port;
    const kh = join(dir, 'known_hosts_relay');
    writeFileSync(kh, `${sshd.knownHostsLine.replace(`]:${sshd.port} `, `]:${port} `)}\n`);
    try {
      const c = new SshConnection(hostFor(sshd, kh, { name: 'n9', ssh: { port, keepaliveTimeoutMs: 10_000 } }));
      expect((await c.exec('echo up')).stdout).toBe('up\n');
      const running = c.exec('sleep 60').then(
        () => undefined,
        (e: unknown) => e as OvnctlError,
      );
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      mute = true;
      const err = await running;
      const waited = Date.now() - t0;
      expect(waited).toBeGreaterThanOrEqual(9_000);
      expect(waited).toBeLessThan(16_000);
      expect(err).toBeInstanceOf(OvnctlError);
      expect(err?.exitCode).toBe(2);
      expect(err?.message).toBe('connection to n9 lost: no answer to keepalives for 10 s (ssh.keepaliveTimeout)');
      await c.close();
    } finally {
      for (const s of pairs) s.destroy();
      relay.close();
    }
  });

  it(`at most ${MAX_HANDSHAKES} handshakes are in flight at once over all hosts`, async () => {
    let open = 0;
    let peak = 0;
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => {
      sockets.push(s);
      peak = Math.max(peak, ++open);
      s.resume(); // read, so the close of the client side is seen
      s.on('close', () => open--);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const conns = Array.from(
        { length: MAX_HANDSHAKES + 8 },
        () => new SshConnection(hostFor(sshd, knownHosts, { ssh: { port, connectTimeoutMs: 300 } })),
      );
      const results = await Promise.allSettled(conns.map((c) => c.connect()));
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      // The server sees a socket close a moment after its client freed the slot: a little slack.
      expect(peak).toBeGreaterThanOrEqual(MAX_HANDSHAKES);
      expect(peak).toBeLessThanOrEqual(MAX_HANDSHAKES + 4);
      expect(sockets).toHaveLength(2 * conns.length);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('a key the server does not accept: authentication failed, naming the key', async () => {
    const stranger = join(dir, 'stranger');
    keygen(stranger);
    const c = new SshConnection(hostFor(sshd, knownHosts, { ssh: { privateKey: stranger } }));
    await expectUnreachable(c, new RegExp(`authentication failed \\(key ${stranger}\\)`), 5_000);
  });

  it('a missing key file is a clear error', async () => {
    const c = new SshConnection(hostFor(sshd, knownHosts, { ssh: { privateKey: join(dir, 'nope') } }));
    await expectUnreachable(c, /^h1: private key .*nope not found$/, 1_000);
  });

  it('an encrypted key takes its passphrase from ssh.passphraseEnv', async () => {
    const c = new SshConnection(
      hostFor(sshd, knownHosts, { ssh: { privateKey: encryptedKey, passphraseEnv: 'T_PASS' } }),
      {
        auth: { env: { T_PASS: 's3cret phrase' }, interactive: false },
      },
    );
    try {
      expect((await c.exec('echo in')).stdout).toBe('in\n');
    } finally {
      await c.close();
    }
  });

  it('an encrypted key: unset env var, wrong passphrase, and no TTY are clear errors, never a prompt', async () => {
    const prompt = () => Promise.reject(new Error('must not prompt'));
    const make = (passphraseEnv: string | undefined, env: NodeJS.ProcessEnv) =>
      new SshConnection(hostFor(sshd, knownHosts, { ssh: { privateKey: encryptedKey, passphraseEnv } }), {
        auth: { env, interactive: false, prompt },
      });
    await expectUnreachable(
      make('T_PASS', {}),
      /encrypted and the environment variable T_PASS \(ssh\.passphraseEnv\) is not set/,
      1_000,
    );
    await expectUnreachable(make('T_PASS', { T_PASS: 'wrong' }), /wrong passphrase for private key/, 2_000);
    await expectUnreachable(
      make(undefined, {}),
      /encrypted and stdin is not a terminal: set ssh\.passphraseEnv/,
      1_000,
    );
    // The default (no injected deps) must not prompt either: the test runner's stdin is not a TTY.
    expect(process.stdin.isTTY).not.toBe(true);
    const byDefault = new SshConnection(hostFor(sshd, knownHosts, { ssh: { privateKey: encryptedKey } }));
    await expectUnreachable(byDefault, /stdin is not a terminal/, 1_000);
  });

  it('on a TTY an encrypted key is asked for once', async () => {
    let asked = 0;
    const prompt = async () => {
      asked++;
      return 's3cret phrase';
    };
    const c = new SshConnection(hostFor(sshd, knownHosts, { ssh: { privateKey: encryptedKey } }), {
      auth: { env: {}, interactive: true, prompt },
    });
    try {
      expect((await c.exec('echo tty')).stdout).toBe('tty\n');
      expect(asked).toBe(1);
    } finally {
      await c.close();
    }
  });

  describe('ssh-agent', () => {
    let agent: ChildProcess | undefined;
    let agentSock = '';

    beforeAll(async () => {
      agentSock = join(dir, 'agent.sock');
      agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !existsSync(agentSock); i++) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', [sshd.clientKeyPath], {
        env: { ...process.env, SSH_AUTH_SOCK: agentSock },
        stdio: 'ignore',
      });
    });
    afterAll(() => {
      if (agent?.pid) process.kill(agent.pid, 'SIGTERM');
    });

    it('authenticates with the agent when no privateKey is set', async () => {
      const c = new SshConnection(hostFor(sshd, knownHosts, { ssh: { privateKey: undefined } }), {
        auth: { env: { SSH_AUTH_SOCK: agentSock } },
      });
      try {
        expect((await c.exec('echo agent')).stdout).toBe('agent\n');
      } finally {
        await c.close();
      }
    });

    it('no privateKey and no agent is a clear error', async () => {
      const host = hostFor(sshd, knownHosts, { ssh: { privateKey: undefined } });
      await expectUnreachable(
        new SshConnection(host, { auth: { env: {} } }),
        /no ssh\.privateKey set and no ssh-agent \(SSH_AUTH_SOCK is not set\)/,
        1_000,
      );
      await expectUnreachable(
        new SshConnection(host, { auth: { env: { SSH_AUTH_SOCK: join(dir, 'x.sock') } } }),
        /SSH_AUTH_SOCK=.*x\.sock does not exist/,
        1_000,
      );
    });
  });
});

describe.skipIf(skip)(`a connection lost mid-run${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let knownHosts: string;

  beforeAll(async () => {
    sshd = await startSshd();
    knownHosts = join(sshd.dir, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('killing sshd mid-exec fails the in-flight and later execs with "connection ... lost", not a hang', async () => {
    const c = new SshConnection(hostFor(sshd, knownHosts, { name: 'm1' }));
    await c.connect();
    expect(readFileSync(`/proc/${sshd.pid}/cmdline`, 'utf8')).toContain('sshd');
    const inFlight = Array.from({ length: 3 }, () => c.exec('sleep 30'));
    const settled = Promise.allSettled(inFlight);
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    sshd.killSessions();
    const results = await settled;
    expect(Date.now() - t0).toBeLessThan(5_000);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason;
      expect(err).toBeInstanceOf(OvnctlError);
      expect(err).not.toBeInstanceOf(UnreachableError);
      expect(err.exitCode).toBe(2);
      expect(err.message).toMatch(/^connection to m1 lost: /);
    }
    await expect(c.exec('true')).rejects.toThrow(/^connection to m1 lost: /);
    await c.close();
  });
});
