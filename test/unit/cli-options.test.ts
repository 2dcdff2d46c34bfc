// The shared options through the real CLI (bin/ovnctl.js, so `npm run build` first; `npm test` does it):
// a bad --forks, -e, --log-file or an option given twice is exit 5 for every command, facts included,
// before any host is contacted; and what `ovnctl inventory` and the CLI's errors show has the
// inventory's secrets masked. "No host contacted" is proven, not assumed: the inventory's hosts are
// loopback listeners that record every TCP connection, and control runs show a real run is seen there.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ovnctl } from '../helpers/cli.js';

/** Listeners on 127.0.0.1 and 127.0.0.2, one port: each connection is recorded and dropped. Loopback only. */
interface Tripwire {
  port: number;
  hits: string[];
  close(): Promise<void>;
}

async function tripwire(): Promise<Tripwire> {
  const hits: string[] = [];
  const listen = (addr: string, port: number) =>
    new Promise<Server>((resolve, reject) => {
      const srv = createServer((sock) => {
        hits.push(`${sock.localAddress}:${sock.localPort}`);
        sock.destroy();
      });
      srv.once('error', reject);
      srv.listen(port, addr, () => resolve(srv));
    });
  for (let attempt = 0; ; attempt++) {
    const first = await listen('127.0.0.1', 0);
    const port = (first.address() as { port: number }).port;
    try {
      const second = await listen('127.0.0.2', port);
      const close = () => Promise.all([first, second].map((s) => new Promise((r) => s.close(r)))).then(() => undefined);
      return { port, hits, close };
    } catch (e) {
      first.close();
      if (attempt >= 20) throw e;
    }
  }
}

/** A clean environment: no agent, no token, so nothing but the files and options decides the outcome. */
const ENV = { SSH_AUTH_SOCK: '', CI: '1', OVNCTL_K8S_TOKEN: '' };
const TIMEOUT = { env: ENV, timeoutMs: 60_000 };
const STACK_FRAME = /^\s+at .*:\d+:\d+\)?$/m;

let wire: Tripwire;
let dir: string;
let inv: string;

beforeAll(async () => {
  wire = await tripwire();
  dir = mkdtempSync(join(tmpdir(), 'ovnctl-cli-options-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'cli-options', '-f', join(dir, 'id_ed25519')]);
  writeFileSync(join(dir, 'known_hosts'), '');
  inv = join(dir, 'inventory.yaml');
  writeFileSync(
    inv,
    `ssh: {port: ${wire.port}, privateKey: ./id_ed25519, knownHosts: ./known_hosts, connectTimeout: 5}\n` +
      'hosts:\n  m1: {address: 127.0.0.1, roles: [master]}\n  n1: {address: 127.0.0.2, roles: [node]}\n',
  );
});
afterAll(async () => {
  await wire?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a bad shared option is exit 5, with a message naming it, before any host is contacted', () => {
  beforeEach(() => {
    wire.hits.length = 0;
  });

  /** Runs ovnctl and checks the common part: exit 5, one clean message, nothing on stdout, no connection. */
  async function refused(args: string[], says: RegExp): Promise<string> {
    const r = await ovnctl(args, TIMEOUT);
    expect(r.code, r.stderr + r.stdout).toBe(5);
    expect(r.stderr).toMatch(says);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stdout).toBe('');
    expect(wire.hits).toEqual([]);
    return r.stderr;
  }

  test('ovnctl facts -f 0 (it used to print {} and exit 0)', async () => {
    const args = ['facts', '-i', inv, '-f', '0'];
    const stderr = await refused(args, /^ovnctl: --forks must be a whole number from 1 to 1000/);
    expect(stderr).toMatch(/got 0\n$/);
  });

  test('ovnctl facts -f x, and --forks 1.5', async () => {
    await refused(['facts', '-i', inv, '-f', 'x'], /^ovnctl: --forks must be a whole number/);
    await refused(['facts', '-i', inv, '--forks', '1.5'], /^ovnctl: --forks must be a whole number/);
  });

  test('ovnctl install --forks 0, and --forks 1001', async () => {
    await refused(['install', '-i', inv, '--forks', '0'], /^ovnctl: --forks must be a whole number from 1 to 1000/);
    await refused(['install', '-i', inv, '--forks', '1001'], /^ovnctl: --forks must be a whole number from 1 to 1000/);
  });

  test('-e without "="', async () => {
    await refused(['install', '-i', inv, '-e', 'a'], /^ovnctl: -e expects key=value, got "a"/);
    await refused(['install', '-i', inv, '-e', 'ok=1', '-e', '=1'], /^ovnctl: -e expects key=value, got "=1"/);
  });

  test('an option that takes one value, given twice', async () => {
    await refused(['facts', '-i', inv, '-f', '2', '-f', '3'], /^ovnctl: --forks is given more than once/);
    await refused(['install', '-i', inv, '-l', 'm1', '--limit', 'n1'], /^ovnctl: --limit is given more than once/);
    await refused(['inventory', '-i', inv, '-i', inv], /^ovnctl: --inventory is given more than once/);
  });

  test('--lock-timeout: whole seconds from 0 to 86400, once, and only for the commands that change hosts', async () => {
    const says = /^ovnctl: --lock-timeout must be a whole number of seconds from 0 to 86400, got /;
    for (const v of ['x', '-1', '1.5', '86401']) await refused(['install', '-i', inv, '--lock-timeout', v], says);
    await refused(['uninstall', '-i', inv, '--lock-timeout', '5', '--lock-timeout', '6'], /given more than once/);
    // verify and preflight only read: they take no lock, so the option is unknown to them.
    await refused(['verify', '-i', inv, '--lock-timeout', '5'], /Unknown arguments?: lock-timeout/);
    await refused(['preflight', '-i', inv, '--lock-timeout', '5'], /Unknown arguments?: lock-timeout/);
  });

  test("--log-file ''", async () => {
    await refused(['install', '-i', inv, '--log-file', ''], /^ovnctl: --log-file needs a file name/);
  });

  test('--log-file in a directory that does not exist: exit 5 before any host is contacted', async () => {
    const log = join(dir, 'no-such-dir', 'run.log');
    const started = Date.now();
    const stderr = await refused(['install', '-i', inv, '--log-file', log], /^ovnctl: --log-file /);
    expect(stderr).toContain(`--log-file ${log}: cannot open it (ENOENT)`);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
    // Refused up front, not after connect attempts (which would be exit 4 and seen by the listeners).
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('--log-file that is a directory', async () => {
    await refused(['install', '-i', inv, '--log-file', dir], /^ovnctl: --log-file .*: cannot open it \(EISDIR\)/);
  });
});

describe('control: the same inventory and options, made valid, do reach the hosts', () => {
  beforeEach(() => {
    wire.hits.length = 0;
  });

  test('ovnctl facts -f 1 connects to both hosts (exit 4: the listeners hang up)', async () => {
    const r = await ovnctl(['facts', '-i', inv, '-f', '1'], TIMEOUT);
    expect(r.code, r.stderr + r.stdout).toBe(4);
    expect(wire.hits.sort()).toEqual([`127.0.0.1:${wire.port}`, `127.0.0.2:${wire.port}`]);
    expect(r.stdout).toMatch(/^m1:\n {2}error: /m);
  }, 60_000);

  test('ovnctl install --log-file to a writable path creates it (mode 0600) and goes on to the hosts', async () => {
    const log = join(dir, 'run.log');
    const r = await ovnctl(['install', '-i', inv, '--forks', '2', '--log-file', log], TIMEOUT);
    expect(r.code, r.stderr + r.stdout).toBe(4);
    expect(wire.hits.length).toBeGreaterThan(0);
    expect(statSync(log).mode & 0o777).toBe(0o600);
  }, 60_000);
});

describe('secrets in what the CLI shows', () => {
  const TOKEN = 'Tok3nValue-seen-twice';
  const withToken = (name: string, ssh = '') => {
    const file = join(dir, name);
    writeFileSync(
      file,
      'cluster:\n  k8sToken: {env: MY_TOKEN}\n' +
        `ssh: {port: ${wire.port}, privateKey: ./id_ed25519, knownHosts: ./known_hosts}\n` +
        `hosts:\n  m1: {address: 127.0.0.1, roles: [master]${ssh}}\n  n1: {address: 127.0.0.2, roles: [node]}\n` +
        `groups:\n  ${TOKEN}: [n1]\n`,
    );
    return file;
  };

  test('ovnctl inventory masks the token wherever its value appears (a host setting, a group name)', async () => {
    const file = withToken('token-elsewhere.yaml', `, ssh: {user: ${TOKEN}}`);
    const env = { ...ENV, MY_TOKEN: TOKEN };
    const yaml = await ovnctl(['inventory', '-i', file], { env, timeoutMs: 60_000 });
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(yaml.stdout).toMatch(/^ {6}user: "\*{8}"$/m);
    expect(yaml.stdout).toMatch(/^ {2}k8sToken: "\*{8}"$/m);
    expect(yaml.stdout).not.toContain(TOKEN);
    const json = await ovnctl(['inventory', '-i', file, '--json'], { env, timeoutMs: 60_000 });
    expect(json.code, json.stderr).toBe(0);
    type View = { hosts: { m1: { ssh: { user: string } } }; groups: Record<string, string[]> };
    const view = JSON.parse(json.stdout) as View;
    expect(view.hosts.m1.ssh.user).toBe('********');
    expect(view.groups['********']).toEqual(['n1']);
    expect(json.stdout).not.toContain(TOKEN);
  });

  test('an error after loading is masked, with -v too (its stack)', async () => {
    const file = withToken('token-limit.yaml');
    const env = { ...ENV, MY_TOKEN: TOKEN };
    const r = await ovnctl(['inventory', '-i', file, '-v', '-l', `${TOKEN}-x`], { env, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/^ovnctl: --limit '\*{8}-x' matches no host/);
    expect(r.stderr).not.toContain(TOKEN);
  });

  test('a 3-character token is exit 5 at cluster.k8sToken, and never printed', async () => {
    const file = withToken('token-short.yaml');
    wire.hits.length = 0;
    for (const cmd of [['inventory'], ['facts'], ['install']]) {
      const r = await ovnctl([...cmd, '-i', file], { env: { ...ENV, MY_TOKEN: 'x~%' }, timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(5);
      const where = `ovnctl: ${file}:2:3: cluster.k8sToken: the token from environment variable MY_TOKEN`;
      expect(r.stderr.startsWith(where), r.stderr).toBe(true);
      expect(r.stderr).toMatch(/is shorter than 8 characters/);
      expect(r.stderr + r.stdout).not.toContain('x~%');
    }
    expect(wire.hits).toEqual([]);
  });
});
