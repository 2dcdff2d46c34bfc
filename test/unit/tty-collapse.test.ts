// A play with more hosts than the terminal has rows: one line counting the hosts done, the hosts longest
// on their task, every failed host's row; driven here with 200 hosts' events onto a stand-in terminal.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/playbook/events.js';
import { progressSuffix } from '../../src/report/progress.js';
import { makeStyle } from '../../src/report/style.js';
import { ttyReporter } from '../../src/report/tty.js';
import {
  collapseThreshold,
  elapsedText,
  fitWidth,
  type HostView,
  liveLines,
  newHostView,
  pickStragglers,
  summaryText,
} from '../../src/report/tty-collapse.js';

const plain = makeStyle(false);
const view = (o: Partial<HostView>): HostView => ({ ...newHostView(), ...o });

describe('when a play collapses', () => {
  it('above the terminal rows less 8, never below 10 hosts; 24 rows when the terminal does not say', () => {
    expect(collapseThreshold(50)).toBe(42);
    expect(collapseThreshold(15)).toBe(10);
    expect(collapseThreshold(undefined)).toBe(16);
  });
});

describe('the count line', () => {
  it('hosts done of all, hosts changed and failed, then how many run and how many wait for a fork', () => {
    const hosts = [
      view({ done: true, changed: true }),
      view({ done: true, failed: 'failed' }),
      view({ done: true }),
      view({ task: 'Install ovn-host', taskStarted: 0 }),
      view({}),
    ];
    expect(summaryText(hosts)).toBe('3 of 5 hosts done: 1 changed, 1 failed; 1 running, 1 waiting');
  });

  it('unreachable hosts are counted apart; nothing after the counts once every host is done', () => {
    const hosts = [view({ done: true, failed: 'unreachable' }), view({ done: true, changed: true })];
    expect(summaryText(hosts)).toBe('2 of 2 hosts done: 1 changed, 0 failed, 1 unreachable');
  });
});

describe('the stragglers', () => {
  it('the running hosts longest on their current task first, at most 8, the rest a count', () => {
    const hosts = new Map<string, HostView>();
    for (let i = 1; i <= 12; i++) hosts.set(`n${i}`, view({ task: 't', taskStarted: 100 - i }));
    hosts.set('done', view({ task: 't', taskStarted: 0, done: true }));
    hosts.set('broken', view({ task: 't', taskStarted: 0, failed: 'failed' }));
    hosts.set('queued', view({}));
    const { shown, more } = pickStragglers(hosts);
    expect(shown.map(([n]) => n)).toEqual(['n12', 'n11', 'n10', 'n9', 'n8', 'n7', 'n6', 'n5']);
    expect(more).toBe(4);
  });

  it('each shows its task, its progress and how long it has been on the task', () => {
    const hosts = new Map<string, HostView>([
      [
        'n1',
        view({
          task: 'Install ovn-host',
          taskStarted: 0,
          suffix: progressSuffix({ msg: 'unpacking', percent: 50 }, plain),
        }),
      ],
      ['n2', view({ task: 'Start ovn-controller', taskStarted: 2_000 })],
      ['n3', view({ done: true })],
    ]);
    expect(liveLines(hosts, 65_000, plain)).toEqual([
      '  … 1 of 3 hosts done: 0 changed, 0 failed; 2 running',
      `    n1 › Install ovn-host ${'█'.repeat(10)}${'░'.repeat(10)}  50% unpacking 1m05s`,
      '    n2 › Start ovn-controller 1m03s',
    ]);
  });

  it('a terminal of fewer than 14 rows shows fewer, so the redrawn lines never scroll off its top', () => {
    const hosts = new Map<string, HostView>();
    for (let i = 1; i <= 20; i++) hosts.set(`n${i}`, view({ task: 't', taskStarted: i }));
    expect(liveLines(hosts, 0, plain, 10)).toHaveLength(1 + 5 + 1);
    expect(liveLines(hosts, 0, plain, 10).at(-1)).toBe('    and 15 more running');
    expect(liveLines(hosts, 0, plain, 40)).toHaveLength(1 + 8 + 1);
  });

  it('how long: seconds, then minutes and seconds', () => {
    expect(elapsedText(999)).toBe('0s');
    expect(elapsedText(59_999)).toBe('59s');
    expect(elapsedText(60_000)).toBe('1m00s');
    expect(elapsedText(754_000)).toBe('12m34s');
  });
});

it('a line is cut to the terminal width, its color codes kept (a wrapped line would break the redraw)', () => {
  const red = makeStyle(true).red;
  expect(fitWidth('abcdef', 4)).toBe('abcd');
  expect(fitWidth(`ab${red('cdef')}gh`, 4)).toBe(`ab${red('cd')}`);
  expect(fitWidth('n1 › ████░░', 8)).toBe('n1 › ███');
});

describe('a 200-host play on a 40-row terminal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const names = Array.from({ length: 200 }, (_, i) => `n${String(i + 1).padStart(3, '0')}`);
  const play = 'OVN host (nodes)';
  const start = (host: string, task: string): RunEvent => ({ type: 'task-start', play, task, host });
  const result = (host: string, task: string, status: 'changed' | 'ok' | 'failed' | 'unreachable', msg = '') =>
    ({ type: 'task', play, task, host, status, durationMs: 1, msg }) as RunEvent;
  const done = (host: string): RunEvent => ({ type: 'host-done', play, host });

  /** A terminal of `rows` rows: what is on it, line by line, after the reporter's writes and redraws. */
  function terminal(rows: number) {
    const lines: string[] = [];
    const write = (s: string) => {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the redraw's cursor-up and erase
      for (const part of s.split(/(\u001b\[\d+A\r\u001b\[J)/)) {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the same
        const up = /^\u001b\[(\d+)A/.exec(part);
        if (up) lines.splice(lines.length - Number(up[1]));
        else if (part) lines.push(...part.replace(/\n$/, '').split('\n'));
      }
    };
    return { screen: { rows, columns: 100, write }, line: (l: string) => write(`${l}\n`), lines };
  }

  it('shows the count, the 8 hosts longest on their task, every failed host; far fewer than 200 rows', async () => {
    const term = terminal(40);
    const report = ttyReporter(term.line, plain, { diff: false, screen: term.screen });
    report({ type: 'play', play, hosts: names });
    for (const h of names) report(start(h, 'Install ovn-host'));
    // 189 hosts finish (12 of them changed something), one of them unreachable and one failed.
    for (const h of names.slice(0, 189)) {
      if (h === 'n017') report(result(h, 'Install ovn-host', 'unreachable', 'ssh: connect ETIMEDOUT\nretried'));
      else if (h === 'n120') report(result(h, 'Install ovn-host', 'failed', 'E: Unable to locate package ovn-host'));
      else report(result(h, 'Install ovn-host', Number(h.slice(1)) <= 12 ? 'changed' : 'ok'));
      report(done(h));
    }
    await vi.advanceTimersByTimeAsync(5_000);
    // n190-n195 move on to the next task; n196-n200 are still installing, n198 half way.
    for (const h of names.slice(189, 195)) report(start(h, 'Start ovn-controller'));
    report({ type: 'task-progress', play, task: 'Install ovn-host', host: 'n198', msg: 'unpacking', percent: 50 });
    await vi.advanceTimersByTimeAsync(60_000);

    expect(term.lines).toEqual([
      'OVN host (nodes) [200 hosts]',
      '  ✖ n017 › Install ovn-host: unreachable: ssh: connect ETIMEDOUT',
      '  ✖ n120 › Install ovn-host: failed: E: Unable to locate package ovn-host',
      '  … 189 of 200 hosts done: 12 changed, 1 failed, 1 unreachable; 11 running',
      '    n196 › Install ovn-host 1m05s',
      '    n197 › Install ovn-host 1m05s',
      `    n198 › Install ovn-host ${'█'.repeat(10)}${'░'.repeat(10)}  50% unpacking 1m05s`,
      '    n199 › Install ovn-host 1m05s',
      '    n200 › Install ovn-host 1m05s',
      '    n190 › Start ovn-controller 1m00s',
      '    n191 › Start ovn-controller 1m00s',
      '    n192 › Start ovn-controller 1m00s',
      '    and 3 more running',
    ]);

    expect(term.lines.filter((l) => /\bn\d{3}\b/.test(l)).length).toBeLessThan(12); // of 200 hosts

    for (const h of names.slice(189)) report(done(h));
    report({ type: 'recap', hosts: {}, durationMs: 65_000 });
    await report.done();
    const recap = term.lines.indexOf('PLAY RECAP');
    expect(term.lines.slice(0, recap)).toEqual([
      'OVN host (nodes) [200 hosts]',
      '  ✖ n017 › Install ovn-host: unreachable: ssh: connect ETIMEDOUT',
      '  ✖ n120 › Install ovn-host: failed: E: Unable to locate package ovn-host',
      '  ✖ 200 of 200 hosts done: 12 changed, 1 failed, 1 unreachable',
      'unreachable: [n017] Install ovn-host: ssh: connect ETIMEDOUT',
      'retried',
      'failed: [n120] Install ovn-host: E: Unable to locate package ovn-host',
      '',
    ]);
  });

  it('a play without failures ends in one line; a later play collapses on its own', async () => {
    const term = terminal(40);
    const report = ttyReporter(term.line, plain, { diff: false, screen: term.screen });
    for (const p of ['OVS', 'OVN host']) {
      report({ type: 'play', play: p, hosts: names });
      for (const h of names) {
        report({ type: 'task-start', play: p, task: 'Install', host: h });
        report({ type: 'task', play: p, task: 'Install', host: h, status: 'ok', durationMs: 1, msg: '' });
        report({ type: 'host-done', play: p, host: h });
      }
    }
    report({ type: 'recap', hosts: {}, durationMs: 1 });
    await report.done();
    expect(term.lines.slice(0, 4)).toEqual([
      'OVS [200 hosts]',
      '  ✔ 200 of 200 hosts done: 0 changed, 0 failed',
      'OVN host [200 hosts]',
      '  ✔ 200 of 200 hosts done: 0 changed, 0 failed',
    ]);
  });
});
