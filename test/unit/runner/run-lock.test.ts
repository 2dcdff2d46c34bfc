// The runner and the run lock on a LocalConnection "host" (real sh and flock, the lock in a temp dir):
// a run that changes hosts fails the host at once while another run holds its lock and changes nothing;
// with --lock-timeout it says whom it waits for, then reads the host afresh; --check takes no lock.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import type { RunEvent } from '../../../src/playbook/events.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { HostRunLock, type Holder, RUN_LOCK_TASK } from '../../../src/playbook/run-lock.js';
import { runPlaybook } from '../../../src/playbook/run.js';
import { exitCodeFor } from '../../../src/report/recap.js';
import { guideInventory } from '../../helpers/inventory.js';

const OTHER: Holder = { command: 'install', start: '2026-12-02T18:30:01.123Z', host: 'ctl-a', pid: 4242 };
const others: LocalConnection[] = [];
afterEach(async () => {
  await Promise.all(others.splice(0).map((c) => c.close()));
});

/** One host (m1) whose play writes a file; the lock lives in the same temp dir. */
function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'ovnctl-runlock-'));
  const target = join(dir, 'm1.txt');
  const pbFile = join(dir, 'pb.yaml');
  writeFileSync(
    pbFile,
    '- name: files\n  hosts: masters\n  tasks:\n    - name: write\n      copy:\n' +
      `        dest: "${target}"\n        content: "hello\\n"\n`,
  );
  return { dir, target, pbFile };
}

/** Another run holding the lock in `dir`. */
async function otherRun(dir: string): Promise<HostRunLock> {
  const conn = new LocalConnection('m1');
  others.push(conn);
  const lock = new HostRunLock(conn, 'm1', { command: 'install', timeoutS: 0, dir }, OTHER);
  await lock.acquire(() => undefined);
  return lock;
}

async function run(
  s: ReturnType<typeof setup>,
  o: { check?: boolean; timeoutS?: number; onEvent?: (e: RunEvent) => void } = {},
) {
  const inv = guideInventory();
  const pb = loadPlaybook(s.pbFile, inv, { selected: inv.hosts.filter((h) => h.name === 'm1'), extraVars: {} });
  const events: RunEvent[] = [];
  const result = await runPlaybook(pb, inv, {
    check: o.check ?? false,
    forks: 5,
    connect: (h) => new LocalConnection(h.name),
    readAsset: async () => Buffer.from(''),
    onEvent: (e) => {
      events.push(e);
      o.onEvent?.(e);
    },
    lock: { command: 'install', timeoutS: o.timeoutS ?? 0, dir: s.dir },
  });
  const tasks = events.filter((e): e is Extract<RunEvent, { type: 'task' }> => e.type === 'task');
  return { result, events, tasks, code: exitCodeFor(result.hosts, result.interrupted) };
}

describe('the runner holds the run lock', () => {
  it('while another run holds it: the host fails at once (exit 2) naming the holder, and nothing changes', async () => {
    const s = setup();
    await otherRun(s.dir);
    const r = await run(s);
    expect(r.code).toBe(2);
    expect(r.tasks.map((t) => [t.task, t.status])).toEqual([[RUN_LOCK_TASK, 'failed']]);
    expect(r.tasks[0].msg).toContain('is held by ovnctl install (pid 4242 on ctl-a, started 2026-12-02T18:30:01.123Z)');
    expect(existsSync(s.target)).toBe(false);
  });

  it('with --lock-timeout: says whom it waits for, then reads the host afresh', async () => {
    const s = setup();
    const other = await otherRun(s.dir);
    const r = await run(s, {
      timeoutS: 60,
      onEvent: (e) => {
        // The other run writes the file, then lets go.
        if (e.type === 'task-progress' && e.task === RUN_LOCK_TASK) {
          writeFileSync(s.target, 'hello\n');
          other.release();
        }
      },
    });
    const waits = r.events.filter((e) => e.type === 'task-progress').map((e) => (e as { msg: string }).msg);
    expect(waits).toEqual([
      'waiting for the run lock held by ovnctl install (pid 4242 on ctl-a, started 2026-12-02T18:30:01.123Z), ' +
        'up to 60 s (--lock-timeout)',
    ]);
    expect(r.code).toBe(0);
    expect(r.tasks.map((t) => [t.task, t.status])).toEqual([['write', 'ok']]);
  });

  it('--check takes no lock: it runs while another run holds it', async () => {
    const s = setup();
    await otherRun(s.dir);
    const r = await run(s, { check: true });
    expect(r.code).toBe(0);
    expect(r.tasks.map((t) => [t.task, t.status])).toEqual([['write', 'changed']]);
    expect(existsSync(s.target)).toBe(false);
  });

  it('holds it with who it is while it runs, and lets go when it ends', async () => {
    const s = setup();
    let during = '';
    const r = await run(s, {
      onEvent: (e) => {
        if (e.type === 'task') during = readFileSync(join(s.dir, 'holder'), 'utf8');
      },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(during)).toMatchObject({ command: 'install', pid: process.pid });
    expect(Date.parse(JSON.parse(during).start)).not.toBeNaN();
    // The next run gets it (its holder may take a moment to exit; a lock still held would fail this after 5 s).
    // It started after the run it follows, so it waits for that one's holder to go (an older one would not).
    const next = new LocalConnection('m1');
    others.push(next);
    const younger: Holder = { ...OTHER, start: new Date().toISOString() };
    await expect(
      new HostRunLock(next, 'm1', { command: 'install', timeoutS: 5, dir: s.dir }, younger).acquire(() => undefined),
    ).resolves.toBeDefined();
  });
});
