// serial: N | "N%": a play's hosts in batches, each batch through the whole play (tasks and handlers)
// before the next starts. A batch that loses a host (failed or unreachable) ends the run: later batches
// and plays do not run, the hosts left are reported as not run, and the exit code says why (2 or 4).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import { UnreachableError } from '../../../src/errors.js';
import type { RunEvent } from '../../../src/playbook/events.js';
import { batchSize, NOT_RUN_TASK, splitBatches } from '../../../src/playbook/batches.js';
import { jsonReporter } from '../../../src/report/json.js';
import { plainReporter } from '../../../src/report/plain.js';
import { exitCodeFor } from '../../../src/report/recap.js';
import { makeStyle } from '../../../src/report/style.js';
import { guideInventory } from '../../helpers/inventory.js';
import { fiveHosts, inputError, load, runFile, writeFiles } from './playbook-files.js';

/** A serial play on every host (m1, n1..n4) writing a file per host and notifying a handler, then a second play. */
function setup(serial: string, opts: { continueOnFailure?: boolean } = {}) {
  const dir = writeFiles({});
  const file = join(dir, 'pb.yaml');
  writeFileSync(
    file,
    `
- name: rolling
  hosts: all
  serial: ${serial}
  tasks:
    - name: write
      copy: { dest: "${dir}/{{ host.name }}/f", content: x }
      notify: [mark]
      ${opts.continueOnFailure ? 'continue_on_failure: true' : ''}
  handlers:
    - name: mark
      copy: { dest: "${dir}/mark-{{ host.name }}", content: x }
- name: after
  hosts: all
  tasks:
    - name: after
      copy: { dest: "${dir}/after-{{ host.name }}", content: x }
`,
  );
  return { dir, file };
}

/** The hosts of each `play` event of the play `name`: one event per batch. */
const batchesShown = (events: RunEvent[], name: string) =>
  events.filter((e) => e.type === 'play' && e.play === name).map((e) => (e.type === 'play' ? e.hosts : []));

describe('batch sizes', () => {
  it('are N hosts, or N% of the play rounded down but at least 1; without serial, all at once', () => {
    expect(batchSize({ hosts: 2 }, 5)).toBe(2);
    expect(batchSize({ percent: 50 }, 5)).toBe(2);
    expect(batchSize({ percent: 30 }, 3)).toBe(1); // 0.9 → 0 → at least 1
    expect(batchSize({ percent: 100 }, 5)).toBe(5);
    expect(batchSize(undefined, 5)).toBe(5);
    expect(splitBatches(['a', 'b', 'c', 'd', 'e'], { hosts: 2 })).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(splitBatches(['a', 'b'], { hosts: 5 })).toEqual([['a', 'b']]);
    expect(splitBatches([], { hosts: 1 })).toEqual([]);
  });
});

describe('serial', () => {
  it('runs the batches in order, each through its tasks and handlers before the next starts', async () => {
    const { file } = setup('2');
    const r = await runFile(file, fiveHosts());
    expect(batchesShown(r.events, 'rolling')).toEqual([['m1', 'n1'], ['n2', 'n3'], ['n4']]);
    const batchOf = (host: string) => ['m1', 'n1', 'n2', 'n3', 'n4'].indexOf(host) >> 1;
    const rolling = r.events.filter((e) => (e.type === 'task' || e.type === 'task-start') && e.play === 'rolling');
    const seq = rolling.map((e) => (e.type === 'task' || e.type === 'task-start' ? batchOf(e.host) : -1));
    expect(seq).toEqual([...seq].sort()); // no event of a batch before the last one of the batch before it
    // every host ran the task and its handler, and the second play ran on all at once after the last batch
    expect(r.tasks.filter((t) => t.play === 'rolling' && t.task === 'mark')).toHaveLength(5);
    expect(batchesShown(r.events, 'after')).toEqual([['m1', 'n1', 'n2', 'n3', 'n4']]);
    expect(exitCodeFor(r.result.hosts, r.result.interrupted)).toBe(0);
  });

  it('sizes "50%" batches from the play\'s targets (after --limit)', async () => {
    const { file } = setup('"50%"');
    const all = await runFile(file, fiveHosts());
    expect(batchesShown(all.events, 'rolling')).toEqual([['m1', 'n1'], ['n2', 'n3'], ['n4']]);
    const some = await runFile(file, fiveHosts(), { limit: ['n1', 'n2', 'n3', 'n4'] });
    expect(batchesShown(some.events, 'rolling')).toEqual([
      ['n1', 'n2'],
      ['n3', 'n4'],
    ]);
  });

  it('a failing host in batch 1 stops the later batches and plays: their hosts never run; exit 2', async () => {
    const { dir, file } = setup('2');
    writeFileSync(join(dir, 'n1'), 'not a dir'); // n1's copy fails: mkdir under a regular file
    const r = await runFile(file, fiveHosts());
    expect(r.result.hosts.n1.failed).toBe(1);
    expect(batchesShown(r.events, 'rolling')).toEqual([['m1', 'n1']]);
    expect(batchesShown(r.events, 'after')).toEqual([]);
    // batch 1 finished (m1 ran its task and handler); batch 2 and 3 never started
    expect(existsSync(join(dir, 'm1', 'f'))).toBe(true);
    expect(existsSync(join(dir, 'mark-m1'))).toBe(true);
    for (const h of ['n2', 'n3', 'n4']) {
      expect(existsSync(join(dir, h, 'f'))).toBe(false);
      expect(r.events.some((e) => e.type === 'task-start' && e.host === h)).toBe(false);
    }
    expect(r.tasks.some((t) => t.play === 'after')).toBe(false);
    // the hosts left are reported as not run, once each, and counted as skipped in the recap
    const notRun = r.tasks.filter((t) => t.task === NOT_RUN_TASK);
    expect(notRun.map((t) => [t.host, t.status])).toEqual([
      ['n2', 'skipped'],
      ['n3', 'skipped'],
      ['n4', 'skipped'],
    ]);
    expect(notRun[0].msg).toBe(
      'batch 1 of 3 of play "rolling" (serial: 2) lost n1 (failed), ' +
        'so its later batches and the rest of the playbook do not run',
    );
    expect(r.result.hosts.n3).toEqual({ ok: 0, changed: 0, failed: 0, skipped: 1, unreachable: 0 });
    expect(r.events.at(-1)!.type).toBe('recap');
    expect(exitCodeFor(r.result.hosts, r.result.interrupted)).toBe(2);
  });

  it('an unreachable host counts against its batch (exit 4); one failed in an earlier play does not', async () => {
    const { dir, file } = setup('1');
    const dead = new LocalConnection('n2');
    dead.connect = async () => {
      throw new UnreachableError('n2: connect ECONNREFUSED');
    };
    const r = await runFile(file, fiveHosts(), { connect: (n) => (n === 'n2' ? dead : new LocalConnection(n)) });
    expect(batchesShown(r.events, 'rolling')).toEqual([['m1'], ['n1']]);
    expect(r.tasks.filter((t) => t.task === NOT_RUN_TASK).map((t) => t.host)).toEqual(['n3', 'n4']);
    expect(exitCodeFor(r.result.hosts, r.result.interrupted)).toBe(4);

    const earlier = join(dir, 'earlier.yaml');
    writeFileSync(
      earlier,
      `
- name: first
  hosts: n1
  tasks:
    - name: break n1
      copy: { dest: "${dir}/n1-file/f", content: x }
- include: pb.yaml
`,
    );
    writeFileSync(join(dir, 'n1-file'), 'not a dir');
    const later = await runFile(earlier, fiveHosts());
    expect(later.result.hosts.n1.failed).toBe(1);
    expect(batchesShown(later.events, 'rolling')).toEqual([['m1'], ['n2'], ['n3'], ['n4']]);
  });

  it('a failure a task continues past does not stop the batches', async () => {
    const { dir, file } = setup('2', { continueOnFailure: true });
    writeFileSync(join(dir, 'n1'), 'not a dir');
    const r = await runFile(file, fiveHosts());
    expect(r.result.hosts.n1.failed).toBe(1);
    expect(batchesShown(r.events, 'rolling')).toHaveLength(3);
    expect(r.tasks.some((t) => t.task === NOT_RUN_TASK)).toBe(false);
  });

  it('the plain reporter shows the hosts not run without -v; --json carries them as ordinary task events', () => {
    const e: RunEvent = {
      type: 'task',
      play: 'rolling',
      task: NOT_RUN_TASK,
      host: 'n3',
      status: 'skipped',
      durationMs: 0,
      msg: 'batch 1 of 3 lost n1',
    };
    const lines: string[] = [];
    const plain = plainReporter((l) => lines.push(l), makeStyle(false), { diff: false, verbose: false });
    plain(e);
    plain({ ...e, task: 'routine', msg: 'condition false' });
    expect(lines).toEqual(['skipped: [n3] not run (0 ms): batch 1 of 3 lost n1']);
    const json: string[] = [];
    jsonReporter((l) => json.push(l))(e);
    expect(JSON.parse(json[0])).toEqual(e);
  });

  it.each([
    ['0', 4, 11],
    ['-1', 4, 11],
    ['1.5', 4, 11],
    ['"0%"', 4, 11],
    ['"101%"', 4, 11],
    ['"half"', 4, 11],
    ['[1, 2]', 4, 11],
  ])('serial: %s is an exit-5 error at its file:line:col', (value, line, col) => {
    const dir = writeFiles({ 'pb.yaml': `- name: p\n  hosts: all\n  tasks: []\n  serial: ${value}\n` });
    const e = inputError(() => load(join(dir, 'pb.yaml'), guideInventory()), join(dir, 'pb.yaml'), line, col);
    expect(e.detail).toMatch(/^serial: expected a number of hosts \(1 or more\) or a percentage/);
  });
});
