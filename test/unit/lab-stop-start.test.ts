// The pure parts of stopping and starting a lab host: a host's state, the journal that records a
// rebooted host's netns and link once and forgets a stopped host's processes, and the lab lock.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostState } from '../../src/lab/lab.js';
import { withLabLock } from '../../src/lab/lab-lock.js';
import { LabJournal, type LabHostRecord, type LabState } from '../../src/lab/lab-state.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'ovnctl-lab-unit-'));
  dirs.push(d);
  return d;
};

function state(dir: string): LabState {
  return {
    version: 1,
    name: 'u',
    dir,
    createdDir: true,
    subnet: '10.213.9.0/24',
    gateway: '10.213.9.1',
    bridge: 'ovnu0',
    rootfs: '/nonexistent',
    mirror: { dir: '/nonexistent', url: 'http://10.213.9.1:8080/debian', suite: 'bookworm' },
    hosts: [],
    resources: [],
  };
}

const host: LabHostRecord = {
  name: 'm1',
  roles: ['master'],
  address: '10.213.9.10',
  netns: 'ovnu-m1',
  veth: 'ovnu-m1',
  root: '/nonexistent/m1/root',
};

describe('hostState', () => {
  it('is running when its process runs, stopped when stopped on purpose, dead otherwise', () => {
    expect(hostState(host, true)).toBe('running');
    expect(hostState({ ...host, stopped: true }, false)).toBe('stopped');
    expect(hostState(host, false)).toBe('dead');
    expect(hostState({ ...host, stopped: false }, false)).toBe('dead');
  });

  it('reads the process from the record: no pid is not running', () => {
    expect(hostState({ ...host, stopped: true })).toBe('stopped');
    // this test's own process, with a start time that is not its own: a reused pid is not the host
    expect(hostState({ ...host, pid: process.pid, startTime: 1 })).toBe('dead');
  });
});

describe('LabJournal', () => {
  it('records a resource once (a host booted again makes its netns and link under the same names)', () => {
    const dir = scratch();
    const j = new LabJournal(state(dir));
    j.record({ kind: 'netns', name: 'ovnu-m1' });
    j.record({ kind: 'link', name: 'ovnu-m1' });
    j.record({ kind: 'netns', name: 'ovnu-m1' });
    j.record({ kind: 'link', name: 'ovnu-m1' });
    expect(j.state.resources).toEqual([
      { kind: 'netns', name: 'ovnu-m1' },
      { kind: 'link', name: 'ovnu-m1' },
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).resources).toHaveLength(2);
  });

  it('forgets the process of a stopped host (pid and start time), and only it', () => {
    const dir = scratch();
    const j = new LabJournal(state(dir));
    j.record({ kind: 'process', pid: 10, startTime: 5, what: 'host m1' });
    j.record({ kind: 'process', pid: 10, startTime: 6, what: 'host m1 again' });
    j.record({ kind: 'process', pid: 11, startTime: 5, what: 'mirror HTTP server' });
    j.forgetProcess(10, 5);
    expect(j.state.resources.map((r) => (r.kind === 'process' ? r.what : ''))).toEqual([
      'host m1 again',
      'mirror HTTP server',
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).resources).toHaveLength(2);
  });
});

describe.skipIf(process.platform !== 'linux')('withLabLock', () => {
  it('runs one holder at a time, in this process as across processes', async () => {
    const dir = scratch();
    const events: string[] = [];
    const work = (name: string) => async () => {
      events.push(`${name} in`);
      await new Promise((r) => setTimeout(r, 50));
      events.push(`${name} out`);
      return name;
    };
    const results = await Promise.all([withLabLock(dir, work('a')), withLabLock(dir, work('b'))]);
    expect(results).toEqual(['a', 'b']);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i].replace(' in', ' out'));
  });

  it('releases the lock when the work throws', async () => {
    const dir = scratch();
    await expect(withLabLock(dir, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withLabLock(dir, async () => 'next', 1)).toBe('next');
  });

  it('says the lab is busy when another holder keeps it past the timeout', async () => {
    const dir = scratch();
    let release: (() => void) | undefined;
    const held = withLabLock(dir, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 100));
    await expect(withLabLock(dir, async () => 'never', 1)).rejects.toThrow(/is busy: another ovnctl lab command/);
    release?.();
    await held;
  });

  it('cannot lock a directory that does not exist', async () => {
    await expect(withLabLock(join(scratch(), 'gone'), async () => 1)).rejects.toThrow(/could not lock the lab/);
  });
});
