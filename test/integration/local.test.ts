// LocalConnection gives the same ExecResult semantics as SshConnection, without sshd.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { quote } from '../../src/shell/quote.js';

describe('LocalConnection', () => {
  const conn = new LocalConnection('local');

  it('returns stdout, stderr, exit codes and the display text', async () => {
    expect(await conn.exec('echo out; echo err >&2; exit 3', { display: 'shown' })).toMatchObject({
      command: 'shown',
      exitCode: 3,
      stdout: 'out\n',
      stderr: 'err\n',
      failed: true,
      timedOut: false,
    });
    expect(await conn.exec('true')).toMatchObject({ exitCode: 0, failed: false, command: 'true' });
  });

  it('a signal death is exitCode null, failed, with the signal', async () => {
    expect(await conn.exec('kill -TERM $$')).toMatchObject({ exitCode: null, failed: true, signal: 'SIGTERM' });
  });

  it('passes hostile quoted values and binary stdin byte-exact', async () => {
    const hostile = `it's "$(id)" \`id\` $HOME\nünïcødé 🚀 '\\''`;
    expect((await conn.exec(`printf '%s' ${quote(hostile)}`)).stdout).toBe(hostile);
    const data = randomBytes(3 * 1024 * 1024);
    const res = await conn.exec('sha256sum', { stdin: data });
    expect(res.stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
    expect((await conn.exec('cat; echo end')).stdout).toBe('end\n'); // stdin gets EOF
  });

  it('timeout kills the script and its children', async () => {
    const t0 = Date.now();
    const res = await conn.exec('sleep 30 & sleep 30; echo never', { timeoutMs: 200 });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(res).toMatchObject({ timedOut: true, failed: true, exitCode: null, stdout: '' });
    const d = await new LocalConnection('x', { commandTimeoutMs: 100 }).exec('sleep 5');
    expect(d.timedOut).toBe(true);
  });

  it('runs concurrently and records the peak', async () => {
    const c = new LocalConnection();
    await Promise.all(Array.from({ length: 5 }, () => c.exec('sleep 0.1')));
    expect(c.peakChannels).toBe(5);
  });

  it.skipIf(process.getuid?.() !== 0)('become runs through sudo -n', async () => {
    const res = await new LocalConnection('local', { become: true }).exec('id -u');
    expect(res).toMatchObject({ exitCode: 0, stdout: '0\n' });
  });

  it('exec after close fails like a lost connection', async () => {
    const c = new LocalConnection('gone');
    await c.connect();
    await c.close();
    await expect(c.exec('true')).rejects.toThrow(/^connection to gone lost/);
  });
});
