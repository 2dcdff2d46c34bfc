// A running task's progress as each reporter shows it: plain (CI) lines with the percent at most every
// 5 s per host and task (a wait for the dpkg lock at once), a bar in the terminal tree, and every event,
// percent included, in --json.
import { describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/playbook/events.js';
import { jsonReporter } from '../../src/report/json.js';
import { plainReporter } from '../../src/report/plain.js';
import { progressBar, progressSuffix } from '../../src/report/progress.js';
import { makeStyle } from '../../src/report/style.js';

// tty.ts renders through listr2; this stand-in runs its tasks and keeps each task wrapper, whose title
// is what the terminal shows on the host's row.
const rows = vi.hoisted(() => [] as { title: string }[]);
vi.mock('listr2', () => {
  interface Spec {
    title: string;
    task: (ctx: unknown, wrapper: unknown) => unknown;
  }
  class Listr {
    constructor(private readonly tasks: Spec[]) {}
    async run(): Promise<void> {
      await Promise.allSettled(
        this.tasks.map(async (spec) => {
          const wrapper = { title: spec.title, newListr: (tasks: Spec[]) => new Listr(tasks) };
          rows.push(wrapper);
          const sub = spec.task(undefined, wrapper);
          await (sub instanceof Listr ? sub.run() : sub);
        }),
      );
    }
  }
  return { Listr };
});

const plain = makeStyle(false);
const step = (host: string, msg: string, percent?: number): RunEvent => ({
  type: 'task-progress',
  play: 'OVN host (nodes)',
  task: 'Install ovn-host',
  host,
  msg,
  ...(percent === undefined ? {} : { percent }),
});

describe('plain output (CI)', () => {
  /** Events at given times (ms) on an injected clock; the lines the plain reporter printed. */
  function plainAt(timed: [number, RunEvent][]): string[] {
    const lines: string[] = [];
    let now = 0;
    const report = plainReporter((l) => lines.push(l), plain, { diff: false, verbose: false, now: () => now });
    for (const [t, e] of timed) {
      now = t;
      report(e);
    }
    return lines;
  }

  it("prints a host's task's progress with its percent at most every 5 s", () => {
    const lines = plainAt([
      [0, step('n1', 'retrieving file 1 of 3', 0)],
      [1_000, step('n1', 'retrieving file 2 of 3', 6)],
      [4_999, step('n1', 'retrieving file 3 of 3', 68)],
      [5_000, step('n1', 'unpacking ovn-common', 15)],
      [9_000, step('n1', 'unpacking ovn-host', 38)],
      [10_001, step('n1', 'configuring ovn-host', 84)],
    ]);
    expect(lines).toEqual([
      'progress: [n1] Install ovn-host: retrieving file 1 of 3 (0%)',
      'progress: [n1] Install ovn-host: unpacking ovn-common (15%)',
      'progress: [n1] Install ovn-host: configuring ovn-host (84%)',
    ]);
  });

  it('each host on its own clock; a wait for the lock always shows; the next task starts afresh', () => {
    const done: RunEvent = {
      type: 'task',
      play: 'OVN host (nodes)',
      task: 'Install ovn-host',
      host: 'n1',
      status: 'changed',
      durationMs: 900,
      msg: 'install ovn-host',
    };
    const lines = plainAt([
      [0, step('n1', 'retrieving file 1 of 3', 0)],
      [100, step('n2', 'retrieving file 1 of 3', 0)],
      [200, step('n1', 'waiting for the lock /var/lib/dpkg/lock-frontend, held by process 772 (python3)')],
      [300, step('n1', 'unpacking ovn-host', 40)],
      [400, done],
      [500, step('n1', 'retrieving file 1 of 1', 0)],
    ]);
    expect(lines).toEqual([
      'progress: [n1] Install ovn-host: retrieving file 1 of 3 (0%)',
      'progress: [n2] Install ovn-host: retrieving file 1 of 3 (0%)',
      'progress: [n1] Install ovn-host: waiting for the lock /var/lib/dpkg/lock-frontend, held by process 772 ' +
        '(python3)',
      'changed: [n1] Install ovn-host (900 ms): install ovn-host',
      'progress: [n1] Install ovn-host: retrieving file 1 of 1 (0%)',
    ]);
  });
});

describe('the terminal tree', () => {
  it('a bar of 20 cells filled in proportion, full only at 100', () => {
    expect(progressBar(0)).toBe('░'.repeat(20));
    expect(progressBar(42)).toBe('█'.repeat(8) + '░'.repeat(12));
    expect(progressBar(99)).toBe('█'.repeat(19) + '░');
    expect(progressBar(100)).toBe('█'.repeat(20));
    expect(progressBar(42, 10)).toBe('████░░░░░░');
  });

  it('after the task: bar, percent and words; a wait stays words in parentheses', () => {
    expect(progressSuffix({ msg: 'unpacking ovn-host', percent: 42 }, plain)).toBe(
      `${'█'.repeat(8)}${'░'.repeat(12)}  42% unpacking ovn-host`,
    );
    expect(progressSuffix({ msg: 'waiting for the lock' }, plain)).toBe('(waiting for the lock)');
  });

  it("the host's row shows the task with the bar while it runs, and its summary when done", async () => {
    const { ttyReporter } = await import('../../src/report/tty.js');
    rows.length = 0;
    const report = ttyReporter(() => undefined, plain, { diff: false });
    report({ type: 'play', play: 'OVN host (nodes)', hosts: ['n1'] });
    await vi.waitFor(() => expect(rows.map((r) => r.title)).toContain('n1'));
    const n1 = rows.find((r) => r.title === 'n1')!;
    report({ type: 'task-start', play: 'OVN host (nodes)', task: 'Install ovn-host', host: 'n1' });
    report(step('n1', 'unpacking ovn-host', 42));
    expect(n1.title).toBe(`n1 › Install ovn-host ${'█'.repeat(8)}${'░'.repeat(12)}  42% unpacking ovn-host`);
    report({ type: 'host-done', play: 'OVN host (nodes)', host: 'n1' });
    expect(n1.title).toMatch(/^n1 0 changed, \d+ ms$/);
    report({ type: 'recap', hosts: {}, durationMs: 1 });
    await report.done();
  });

  it('a play fits in listr2 with one row per host up to the rows less 8; one more host collapses it', async () => {
    const { ttyReporter } = await import('../../src/report/tty.js');
    const shown = async (count: number) => {
      rows.length = 0;
      const drawn: string[] = [];
      const screen = { rows: 40, columns: 100, write: (s: string) => void drawn.push(s) };
      const report = ttyReporter(() => undefined, plain, { diff: false, screen });
      const hosts = Array.from({ length: count }, (_, i) => `n${i + 1}`);
      report({ type: 'play', play: 'OVS', hosts });
      for (const h of hosts) report({ type: 'host-done', play: 'OVS', host: h });
      report({ type: 'recap', hosts: {}, durationMs: 1 });
      await report.done();
      return { hostRows: rows.filter((r) => /^n\d+\b/.test(r.title)).length, drawn: drawn.join('') };
    };
    expect(await shown(32)).toEqual({ hostRows: 32, drawn: '' });
    const big = await shown(33);
    expect(big.hostRows).toBe(0);
    expect(big.drawn).toContain('OVS [33 hosts]');
    expect(big.drawn).toContain('33 of 33 hosts done: 0 changed, 0 failed');
  });
});

it('--json carries every progress event, its percent included', () => {
  const json: string[] = [];
  const report = jsonReporter((l) => json.push(l));
  report(step('n1', 'retrieving file 1 of 3', 0));
  report(step('n1', 'retrieving file 2 of 3', 6));
  report(step('n1', 'waiting for the lock'));
  expect(json.map((l) => JSON.parse(l))).toEqual([
    step('n1', 'retrieving file 1 of 3', 0),
    step('n1', 'retrieving file 2 of 3', 6),
    step('n1', 'waiting for the lock'),
  ]);
  expect(JSON.parse(json[2])).not.toHaveProperty('percent');
});
