// Ctrl-C while a host is still being dialed: close() drops the half-made connection at once instead of
// waiting out ssh.connectTimeout, and the pending connect() rejects. A host that never answers (a TCP
// listener that sends no SSH banner) stands for the hung host.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnection } from '../../src/connection/ssh.js';
import { UnreachableError } from '../../src/errors.js';
import type { Host } from '../../src/inventory/types.js';

describe('close() while dialing', () => {
  let dir: string;
  let silent: Server;
  const sockets: Socket[] = [];
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ovnctl-interrupt-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
    writeFileSync(join(dir, 'known_hosts'), '');
    silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    silent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends the dial now and rejects connect(), though connectTimeout is 10 minutes', async () => {
    const host: Host = {
      name: 'hung',
      address: '127.0.0.1',
      roles: ['node'],
      encapIp: '127.0.0.1',
      become: false,
      groups: ['all', 'nodes'],
      ssh: {
        user: 'root',
        port,
        privateKey: join(dir, 'id'),
        knownHosts: join(dir, 'known_hosts'),
        hostKeyChecking: 'strict',
        connectTimeoutMs: 600_000,
        commandTimeoutMs: 0,
        keepaliveTimeoutMs: 30_000,
      },
    };
    const conn = new SshConnection(host);
    const connecting = conn.connect();
    connecting.catch(() => undefined);
    // wait until the TCP connection is there, so close() meets a dial in progress
    for (let i = 0; i < 200 && sockets.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sockets).toHaveLength(1);
    await conn.close();
    await expect(connecting).rejects.toBeInstanceOf(UnreachableError);
    await expect(connecting).rejects.toThrow(/^hung \(root@127\.0\.0\.1:\d+\): /);
    // and nothing runs on it afterwards
    await expect(conn.exec('true')).rejects.toBeInstanceOf(UnreachableError);
  }, 10_000);
});
