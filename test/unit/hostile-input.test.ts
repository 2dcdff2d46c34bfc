// The hostile-input corpus (test/fixtures/bad/index.yaml) through the real CLI: every broken inventory
// and playbook exits 5 naming FILE:LINE:COL, prints no stack trace, and contacts no host. "No host"
// is proven, not assumed: the corpus's hosts point at loopback listeners that record every TCP
// connection, and a control run with a valid playbook shows that a real run would be seen there.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ovnctl } from '../helpers/cli.js';

const CORPUS = fileURLToPath(new URL('../fixtures/bad/', import.meta.url));
const FIXTURE_PORT = 'port: 65000';

interface Case {
  file: string;
  run: 'install' | 'playbook';
  at: string;
  says: string;
  why: string;
  generate?: 'huge';
}

const cases = (parse(readFileSync(join(CORPUS, 'index.yaml'), 'utf8')) as { cases: Case[] }).cases;

/** TCP listeners on 127.0.0.1 and 127.0.0.2, one port: every connection attempt is recorded and dropped. */
interface Tripwire {
  port: number;
  hits: string[];
  close(): Promise<void>;
}

async function tripwire(): Promise<Tripwire> {
  for (let attempt = 0; ; attempt++) {
    const hits: string[] = [];
    const listen = (addr: string, port: number) =>
      new Promise<Server>((resolve, reject) => {
        const srv = createServer((sock) => {
          hits.push(`${sock.localAddress}:${sock.localPort} from ${sock.remoteAddress}:${sock.remotePort}`);
          sock.destroy();
        });
        srv.once('error', reject);
        srv.listen(port, addr, () => resolve(srv));
      });
    const first = await listen('127.0.0.1', 0);
    const port = (first.address() as { port: number }).port;
    try {
      // The corpus's port has 5 digits; the listener's must too, so no column moves.
      if (String(port).length !== 5) throw new Error('port width');
      const second = await listen('127.0.0.2', port);
      const close = async () => {
        await Promise.all([first, second].map((s) => new Promise((r) => s.close(r))));
      };
      return { port, hits, close };
    } catch (e) {
      first.close();
      if (attempt >= 20) throw e;
    }
  }
}

/** The corpus in a temp dir with the tripwire's port, a client key, an empty known_hosts, and the generated files. */
function materialize(port: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'ovnctl-hostile-'));
  cpSync(CORPUS, dir, { recursive: true });
  for (const sub of ['', 'inventories', 'playbooks']) {
    for (const name of readdirSync(join(dir, sub))) {
      const file = join(dir, sub, name);
      if (!statSync(file).isFile()) continue;
      const bytes = readFileSync(file);
      if (bytes.includes(FIXTURE_PORT))
        writeFileSync(file, bytes.toString('latin1').split(FIXTURE_PORT).join(`port: ${port}`), 'latin1');
    }
  }
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hostile-input', '-f', join(dir, 'id_ed25519')]);
  cpSync(join(dir, 'id_ed25519'), join(dir, 'inventories', 'id_ed25519'));
  writeFileSync(join(dir, 'known_hosts'), '');
  writeFileSync(join(dir, 'inventories', 'known_hosts'), '');
  const valid = readFileSync(join(dir, 'valid-inventory.yaml'), 'utf8');
  const pad = `# ${'x'.repeat(1000)}\n`.repeat(2 * 1024);
  for (const c of cases.filter((k) => k.generate === 'huge')) {
    writeFileSync(
      join(dir, c.file),
      c.run === 'install' ? valid + pad : `- name: p\n  hosts: all\n  tasks: []\n${pad}`,
    );
  }
  writeFileSync(
    join(dir, 'control-playbook.yaml'),
    '- name: control\n  hosts: all\n  tasks:\n    - name: preflight\n      preflight: {}\n',
  );
  return dir;
}

const argsFor = (dir: string, c: Case) =>
  c.run === 'install'
    ? ['install', '-i', join(dir, c.file)]
    : ['run', join(dir, c.file), '-i', join(dir, 'valid-inventory.yaml')];

/** A stack frame as Node prints it: "    at fn (file:1:2)" or "    at file:1:2". */
const STACK_FRAME = /^\s+at .*:\d+:\d+\)?$/m;
/** A clean environment: no token, no agent, so nothing but the files decides the outcome. */
const ENV = { OVNCTL_K8S_TOKEN: '', SSH_AUTH_SOCK: '', CI: '1' };

describe('the hostile-input corpus', () => {
  let wire: Tripwire;
  let dir: string;

  beforeAll(async () => {
    wire = await tripwire();
    dir = materialize(wire.port);
  });
  afterAll(async () => {
    await wire?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has at least 40 cases, inventories and playbooks, each file present and described', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(cases.filter((c) => c.run === 'install').length).toBeGreaterThanOrEqual(20);
    expect(cases.filter((c) => c.run === 'playbook').length).toBeGreaterThanOrEqual(20);
    for (const c of cases) {
      expect(c.why, c.file).toBeTruthy();
      expect(c.at, c.file).toMatch(/^\d+:\d+$/);
      if (!c.generate) expect(statSync(join(CORPUS, c.file)).isFile(), c.file).toBe(true);
    }
    // and every stored file is a case
    const listed = new Set(cases.map((c) => c.file));
    for (const sub of ['inventories', 'playbooks'])
      for (const f of readdirSync(join(CORPUS, sub))) expect(listed.has(`${sub}/${f}`), `${sub}/${f}`).toBe(true);
  });

  describe.concurrent('each case exits 5 at its file:line:col, without a stack trace, touching no host', () => {
    it.each(cases.map((c) => [c.file, c] as const))(
      '%s',
      async (_name, c) => {
        const r = await ovnctl(argsFor(dir, c), { env: ENV, timeoutMs: 60_000 });
        const [line, col] = c.at.split(':');
        const where = `${join(dir, c.file)}:${line}:${col}: `;
        expect(r.code, `${c.why}\n${r.stderr}`).toBe(5);
        expect(r.stderr.startsWith(`ovnctl: ${where}`), `expected ${where} in:\n${r.stderr}`).toBe(true);
        expect(r.stderr.split('\n')[0].slice(`ovnctl: ${where}`.length)).toMatch(new RegExp(c.says));
        expect(r.stderr).not.toMatch(STACK_FRAME);
        expect(r.stderr).not.toMatch(/internal error/);
        expect(r.stdout).toBe('');
        expect(wire.hits).toEqual([]);
      },
      60_000,
    );
  });

  describe.concurrent('-e cannot smuggle in what the inventory refuses', () => {
    it.each([
      ['ovnkube.binary=/usr/bin/ovnkube;reboot', /^ovnctl: -e ovnkube.binary: must be a path of letters, digits/],
      ['ovnkube.logfile=/var/log/$(reboot)', /^ovnctl: -e ovnkube.logfile: must be a path of letters, digits/],
      [
        'cluster.k8sApiserver=http://127.0.0.1:8080/`reboot`',
        /^ovnctl: -e cluster.k8sApiserver: must be a URL without spaces/,
      ],
      ['cluster.nbPort=0', /^ovnctl: -e cluster.nbPort: must be a port number/],
    ])(
      '-e %s',
      async (extra, says) => {
        const r = await ovnctl(['install', '-i', join(dir, 'valid-inventory.yaml'), '-e', extra], {
          env: ENV,
          timeoutMs: 60_000,
        });
        expect(r.code, r.stderr).toBe(5);
        expect(r.stderr).toMatch(says);
        expect(r.stderr).not.toMatch(STACK_FRAME);
        expect(wire.hits).toEqual([]);
      },
      60_000,
    );
  });

  it('control: a valid playbook on the same inventory does reach the listeners (so a slip would be seen)', async () => {
    const control = await tripwire();
    const cdir = materialize(control.port);
    try {
      const r = await ovnctl(['run', join(cdir, 'control-playbook.yaml'), '-i', join(cdir, 'valid-inventory.yaml')], {
        env: ENV,
        timeoutMs: 60_000,
      });
      expect(r.code, r.stderr + r.stdout).toBe(4);
      expect(control.hits.length).toBe(2);
      expect(control.hits.map((h) => h.split(' ')[0]).sort()).toEqual([
        `127.0.0.1:${control.port}`,
        `127.0.0.2:${control.port}`,
      ]);
    } finally {
      await control.close();
      rmSync(cdir, { recursive: true, force: true });
    }
  }, 60_000);
});
