// The run lock over a real sshd (lock dir in a temp dir): the held command lives on its channel until the
// run lets go, takes one of the connection's exec slots, and goes with the connection - closed by the run,
// or killed under it ("the link died") - so the next run gets the lock.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CHANNELS, SshConnection } from '../../src/connection/ssh.js';
import { type Holder, HostRunLock } from '../../src/playbook/run-lock.js';
import { hostFor, sshdSkipReason, startSshd, type TestSshd } from '../helpers/sshd.js';

const skip = sshdSkipReason();
const A: Holder = { command: 'install', start: '2026-12-02T18:30:01.123Z', host: 'ctl-a', pid: 4242 };
const B: Holder = { command: 'install', start: '2026-12-02T18:31:00.000Z', host: 'ctl-b', pid: 777 };

describe.skipIf(skip !== undefined)(skip ? `run lock over ssh (skipped: ${skip})` : 'run lock over ssh', () => {
  let sshd: TestSshd;
  let knownHosts: string;
  const conns: SshConnection[] = [];
  const connect = () => {
    const c = new SshConnection(hostFor(sshd, knownHosts));
    conns.push(c);
    return c;
  };
  beforeAll(async () => {
    sshd = await startSshd();
    knownHosts = join(sshd.dir, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
  });
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close()));
    await sshd?.stop();
  });

  it('is held while the run goes on, beside its commands, and the next run fails at once naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovnctl-sshlock-'));
    const a = connect();
    const lockA = new HostRunLock(a, 'h1', { command: 'install', timeoutS: 0, dir }, A);
    expect(await lockA.acquire(() => undefined)).toEqual({ waited: false });
    // The run's own commands still have the other slots.
    const busy = await Promise.all(Array.from({ length: MAX_CHANNELS - 1 }, () => a.exec('sleep 0.2; echo ok')));
    expect(busy.map((r) => r.stdout)).toEqual(Array(MAX_CHANNELS - 1).fill('ok\n'));
    expect(a.peakChannels).toBe(MAX_CHANNELS);
    const err = await new HostRunLock(connect(), 'h1', { command: 'install', timeoutS: 0, dir }, B)
      .acquire(() => undefined)
      .catch((e: Error) => e);
    expect((err as Error).message).toContain('is held by ovnctl install (pid 4242 on ctl-a,');
    // Closing the connection (the run's end) frees it: the next one gets it, waiting at most a moment.
    await a.close();
    const next = new HostRunLock(connect(), 'h1', { command: 'install', timeoutS: 10, dir }, B);
    await expect(next.acquire(() => undefined)).resolves.toHaveProperty('waited');
  });

  it('a connection killed under the run (sshd sessions SIGKILLed) leaves no lock behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovnctl-sshlock-'));
    const lockA = new HostRunLock(connect(), 'h1', { command: 'install', timeoutS: 0, dir }, A);
    await lockA.acquire(() => undefined);
    sshd.killSessions();
    const next = new HostRunLock(connect(), 'h1', { command: 'install', timeoutS: 10, dir }, B);
    await expect(next.acquire(() => undefined)).resolves.toHaveProperty('waited');
    // The first run learns its lock is gone before it would change anything.
    for (let i = 0; i < 100 && lockA.lost === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    expect(lockA.lost).toBeDefined();
  });
});
