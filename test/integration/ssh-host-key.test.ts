// hostKeyChecking against a real sshd: strict, accept-new (with a 20-connection race), off,
// hashed and [host]:port entries, changed and revoked keys.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostKeyError } from '../../src/errors.js';
import type { HostKeyChecking } from '../../src/inventory/types.js';
import { fingerprint } from '../../src/connection/known-hosts.js';
import { SshConnection } from '../../src/connection/ssh.js';
import { hostFor, keygen, sshdSkipReason, startSshd, type TestSshd } from '../helpers/sshd.js';

const skip = sshdSkipReason();

describe.skipIf(skip)(`host key checking on a real sshd${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let dir: string;
  let hostFp: string;
  let n = 0;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'ovnctl-kh-'));
    hostFp = fingerprint(Buffer.from(sshd.hostKeyPub.split(' ')[1], 'base64'));
  });
  afterAll(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A known_hosts file with these lines (or none at all when `lines` is undefined). */
  const knownHosts = (lines?: string[]) => {
    const file = join(dir, `known_hosts.${++n}`);
    if (lines) writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
    return file;
  };
  const tryConnect = async (file: string, policy: HostKeyChecking = 'strict') => {
    const c = new SshConnection(hostFor(sshd, file, { ssh: { hostKeyChecking: policy } }));
    try {
      await c.connect();
      return (await c.exec('echo ok')).stdout;
    } finally {
      await c.close();
    }
  };
  const otherKey = () => keygen(join(dir, `other.${++n}`)); // `type base64`

  it('strict: the right key in [127.0.0.1]:port form connects', async () => {
    expect(await tryConnect(knownHosts([sshd.knownHostsLine]))).toBe('ok\n');
  });

  it('strict: an empty known_hosts is refused, naming the host and the fingerprint', async () => {
    const file = knownHosts([]);
    const err = await tryConnect(file).catch((e) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain(`h1 ([127.0.0.1]:${sshd.port}) is unknown`);
    expect(err.message).toContain(hostFp);
    expect(err.message).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1`);
    expect(err.message).not.toContain('\n');
  });

  it('strict: a missing known_hosts file is refused the same way', async () => {
    await expect(tryConnect(knownHosts())).rejects.toThrow(/is unknown/);
  });

  it('strict: a plain 127.0.0.1 entry does not vouch for a non-22 port', async () => {
    await expect(tryConnect(knownHosts([`127.0.0.1 ${sshd.hostKeyPub}`]))).rejects.toThrow(/is unknown/);
  });

  it('strict: a changed key is refused with both fingerprints, the line and the ssh-keygen -R fix', async () => {
    const old = otherKey();
    const file = knownHosts(['# header', `[127.0.0.1]:${sshd.port} ${old}`]);
    const err = await tryConnect(file).catch((e) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect(err.message).toContain('has CHANGED');
    expect(err.message).toContain(hostFp);
    expect(err.message).toContain(fingerprint(Buffer.from(old.split(' ')[1], 'base64')));
    expect(err.message).toContain(`${file}:2`);
    expect(err.message).toContain(`ssh-keygen -f ${file} -R '[127.0.0.1]:${sshd.port}'`);
  });

  it('accept-new refuses a changed key too, and does not touch the file', async () => {
    const file = knownHosts([`[127.0.0.1]:${sshd.port} ${otherKey()}`]);
    const before = readFileSync(file, 'utf8');
    await expect(tryConnect(file, 'accept-new')).rejects.toThrow(/has CHANGED/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('an entry hashed by ssh-keygen -H is accepted', async () => {
    const file = knownHosts([sshd.knownHostsLine]);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
    expect(await tryConnect(file)).toBe('ok\n');
  });

  it('a @revoked key is refused under every checking mode but off', async () => {
    const file = knownHosts([sshd.knownHostsLine, `@revoked * ${sshd.hostKeyPub}`]);
    await expect(tryConnect(file)).rejects.toThrow(/REVOKED.*:2/);
    await expect(tryConnect(file, 'accept-new')).rejects.toThrow(/REVOKED/);
    expect(await tryConnect(file, 'off')).toBe('ok\n');
  });

  it('@cert-authority lines do not vouch for a host key', async () => {
    await expect(tryConnect(knownHosts([`@cert-authority * ${sshd.hostKeyPub}`]))).rejects.toThrow(/is unknown/);
  });

  it('off accepts any key and writes nothing', async () => {
    const file = knownHosts();
    expect(await tryConnect(file, 'off')).toBe('ok\n');
    expect(() => statSync(file)).toThrow();
  });

  it('accept-new: 20 racing connections record the key exactly once; then strict accepts it', async () => {
    const file = join(dir, 'fresh', 'sub', 'known_hosts');
    const conns = Array.from(
      { length: 20 },
      () => new SshConnection(hostFor(sshd, file, { ssh: { hostKeyChecking: 'accept-new' } })),
    );
    try {
      await Promise.all(conns.map((c) => c.connect()));
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
    expect(readFileSync(file, 'utf8')).toBe(`${sshd.knownHostsLine}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'fresh', 'sub')).mode & 0o777).toBe(0o700);
    expect(await tryConnect(file, 'accept-new')).toBe('ok\n');
    expect(await tryConnect(file, 'strict')).toBe('ok\n');
    expect(readFileSync(file, 'utf8')).toBe(`${sshd.knownHostsLine}\n`);
    // OpenSSH agrees with what we wrote.
    expect(execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', file]).toString()).toContain(
      sshd.hostKeyPub,
    );
  });
});

describe.skipIf(skip)(`a host with several host keys${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let dir: string;
  let ecdsaPub: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ovnctl-kh2-'));
    ecdsaPub = keygen(join(dir, 'ssh_host_ecdsa_key'), { type: 'ecdsa' });
    sshd = await startSshd({ extraConfig: [`HostKey ${join(dir, 'ssh_host_ecdsa_key')}`] });
  });
  afterAll(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('strict: negotiates the key type known_hosts holds, like OpenSSH (not "unknown")', async () => {
    const file = join(dir, 'known_hosts');
    writeFileSync(file, `[127.0.0.1]:${sshd.port} ${ecdsaPub}\n`);
    const c = new SshConnection(hostFor(sshd, file));
    try {
      expect((await c.exec('echo ok')).stdout).toBe('ok\n');
    } finally {
      await c.close();
    }
  });
});
