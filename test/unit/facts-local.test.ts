// The facts that read files and processes, run for real on this machine through the batched gather:
// they must say what a user sees with stat, sha256sum and /proc/PID/cmdline, and a batched fact must
// still work on its own (its command and parse alone).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { aptListsFresh, debPackages, dpkgInterruptedScript } from '../../src/facts/apt.js';
import { osRelease } from '../../src/facts/os.js';
import { defineFact } from '../../src/facts/fact.js';
import { Resource } from '../../src/facts/resources.js';
import { fileState, type FileState } from '../../src/facts/files.js';
import { buildGatherScript, gatherFacts } from '../../src/facts/gather.js';
import { processesOf } from '../../src/facts/process.js';
import { sha256 } from '../../src/util/hash.js';

const conn = new LocalConnection('local');
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ovnctl-facts-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fileState, gathered in one batch', () => {
  it('gives every file its mode and checksum, whatever its name, and absent for the rest', async () => {
    const files: Record<string, [string, number]> = {
      plain: ['a\n', 0o640],
      'with space': ['b', 0o755],
      'new\nline': ['c', 0o600],
      'back\\slash': ['', 0o644],
      'cr\r\u2028': ['d', 0o644],
    };
    const want: Record<string, FileState> = {};
    for (const [name, [content, mode]] of Object.entries(files)) {
      writeFileSync(join(dir, name), content);
      chmodSync(join(dir, name), mode);
      want[join(dir, name)] = { exists: true, sha256: sha256(content), mode: '0' + mode.toString(8) };
    }
    mkdirSync(join(dir, 'sub'));
    symlinkSync(join(dir, 'plain'), join(dir, 'link'));
    const absent = { exists: false, sha256: '', mode: '' };
    Object.assign(want, { [join(dir, 'sub')]: absent, [join(dir, 'missing')]: absent });

    const facts = [...Object.keys(want), join(dir, 'link')].map(fileState);
    const got = await gatherFacts(conn, facts);
    for (const [path, state] of Object.entries(want))
      expect(got.get(`file:${path}`), JSON.stringify(path)).toEqual(state);
    // A symlink to a file exists with the file's checksum (the mode is the link's own, as `stat` says).
    const link = got.get(`file:${join(dir, 'link')}`) as FileState;
    expect(link).toMatchObject({ exists: true, sha256: sha256('a\n') });
    expect(link.mode).toBe('0' + (lstatSync(join(dir, 'link')).mode & 0o7777).toString(8));
  });

  it('reads all files with one stat and one sha256sum, all packages with one dpkg-query', () => {
    const script = buildGatherScript(
      [fileState('/a'), fileState('/b'), debPackages(['x']), debPackages(['y', 'x']), fileState('/a')],
      'n',
    );
    expect(script.match(/sha256sum/g)).toHaveLength(1);
    expect(script.match(/stat /g)).toHaveLength(1);
    expect(script.match(/dpkg-query/g)).toHaveLength(1);
    expect(script).toContain(' x y 2>/dev/null');
  });

  it('works alone too: its own command and parse', async () => {
    const path = join(dir, 'alone');
    writeFileSync(path, 'z');
    const f = fileState(path);
    const res = await conn.exec(f.command);
    expect(f.parse(res.stdout, res.exitCode ?? -1)).toMatchObject({ exists: true, sha256: sha256('z') });
  });
});

describe('processesOf', () => {
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const c of started) c.kill();
  });
  const start = async (cmd: string, args: string[], argv0?: string) => {
    // `read` waits on stdin inside the shell itself: no grandchild to clean up.
    const c = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'ignore'], ...(argv0 ? { argv0 } : {}) });
    started.push(c);
    await once(c, 'spawn');
    return c.pid;
  };

  it('finds a program run directly or through an interpreter, and checksums its argv from the program on', async () => {
    const bin = join(dir, 'fake.ovnkube');
    writeFileSync(bin, 'read x\n', { mode: 0o755 });
    const viaSh = await start('/bin/sh', [bin, '--a', 'b c']);
    const direct = await start('/bin/sh', ['-c', 'read x', 'x'], bin);
    const got = (await gatherFacts(conn, [processesOf(bin)])).get(`process.of:${bin}`) as { pid: number }[];
    expect(got.sort((p, q) => p.pid - q.pid)).toEqual(
      [
        { pid: viaSh, argvSha256: sha256(`${bin}\0--a\0b c\0`) },
        { pid: direct, argvSha256: sha256(`${bin}\0-c\0read x\0x\0`) },
      ].sort((p, q) => p.pid! - q.pid!),
    );
    expect((await gatherFacts(conn, [processesOf(join(dir, 'fake'))])).get(`process.of:${join(dir, 'fake')}`)).toEqual(
      [],
    );
  });
});

describe('inline facts share the gather shell', () => {
  it('still get their own output next to a fact that exits', async () => {
    const exits = defineFact('exits', 'echo gone; exit 4', (o, rc) => ({ o, rc }), { reads: [Resource.files] });
    const got = await gatherFacts(conn, [exits, fileState(join(dir, 'missing')), processesOf('/nonexistent/bin')]);
    expect(got.get('exits')).toEqual({ o: 'gone\n', rc: 4 });
    expect(got.get(`file:${join(dir, 'missing')}`)).toEqual({ exists: false, sha256: '', mode: '' });
    expect(got.get('process.of:/nonexistent/bin')).toEqual([]);
  });
});

describe('aptListsFresh', () => {
  const sum = sha256('deb http://mirror bookworm main\n');
  it('holds only when the stamp is the checksum of the sources now', () => {
    expect(aptListsFresh.parse(`${sum}  -\n${sum}\n`, 0)).toBe(true);
    expect(aptListsFresh.parse(`${sum}  -\n${sha256('old')}\n`, 0)).toBe(false);
    expect(aptListsFresh.parse(`${sum}  -\n\n`, 0)).toBe(false);
  });
});

describe('dpkg interrupted: the awk over the status file agrees with dpkg-query', () => {
  // Stanzas as dpkg writes them (Package first, then Status), one per state dpkg knows.
  const states = {
    'pkg-installed': 'install ok installed',
    'pkg-unpacked': 'install ok unpacked',
    'pkg-half-configured': 'install ok half-configured',
    'pkg-half-installed': 'install reinstreq half-installed',
    'pkg-triggers-awaited': 'install ok triggers-awaited',
    'pkg-triggers-pending': 'install ok triggers-pending',
    'pkg-config-files': 'deinstall ok config-files',
    'pkg-not-installed': 'purge ok not-installed',
  };
  const admindir = () => {
    const d = mkdtempSync(join(dir, 'dpkg-'));
    mkdirSync(join(d, 'updates'));
    // dpkg refuses a trigger state without the field that names the triggers.
    const extra: Record<string, string> = {
      'pkg-triggers-awaited': 'Triggers-Awaited: pkg-installed\n',
      'pkg-triggers-pending': 'Triggers-Pending: ldconfig\n',
    };
    const stanzas = Object.entries(states).map(
      ([p, st]) =>
        `Package: ${p}\nStatus: ${st}\nPriority: optional\nMaintainer: m <m@example.org>\n` +
        `Architecture: all\nVersion: 1.0\n${extra[p] ?? ''}Description: ${p}\n`,
    );
    writeFileSync(join(d, 'status'), stanzas.join('\n'));
    writeFileSync(join(d, 'available'), '');
    return d;
  };
  const unfinished = [
    'pkg-unpacked',
    'pkg-half-configured',
    'pkg-half-installed',
    'pkg-triggers-awaited',
    'pkg-triggers-pending',
  ];
  const run = async (d: string) => (await conn.exec(dpkgInterruptedScript(d))).stdout.trim().split('\n');

  it('no journal: one awk names the unfinished packages', async () => {
    const d = admindir();
    expect(await run(d)).toEqual(['0', ...unfinished]);
  });

  it.skipIf(!existsSync('/usr/bin/dpkg-query'))(
    'a journal entry: dpkg-query reads them, with the same names',
    async () => {
      const d = admindir();
      writeFileSync(join(d, 'updates', '0000'), '');
      const [count, ...names] = await run(d);
      expect(count).toBe('1');
      expect(names.sort()).toEqual([...unfinished].sort());
    },
  );
});

describe('os-release read by the shell', () => {
  it.skipIf(!existsSync('/etc/os-release'))('prints the file as cat does', async () => {
    const r = await conn.exec(osRelease.command);
    expect(r.stdout).toBe(readFileSync('/etc/os-release', 'utf8').replace(/\n?$/, '\n'));
  });
});
