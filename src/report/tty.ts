// On a terminal: a listr2 tree per play (play → hosts, each showing the task it is on), then the recap.
// listr2 only renders here; every task promise is settled by runner events. A play with more hosts
// than the terminal has rows collapses (tty-collapse.ts) and is drawn here without listr2: its rows
// come and go as hosts finish or fail, where a listr2 tree's tasks are fixed when it starts and a
// finished task's row is cached as it was.
import { Listr, type ListrTaskWrapper } from 'listr2';
import { NOT_RUN_TASK } from '../playbook/batches.js';
import type { RunEvent } from '../playbook/events.js';
import { progressSuffix } from './progress.js';
import { formatRecap } from './recap.js';
import type { Style } from './style.js';
import { collapseThreshold, failedRow, fitWidth, type HostView, liveLines, newHostView } from './tty-collapse.js';

// biome-ignore lint/suspicious/noExplicitAny: listr2 types a task wrapper by renderer classes this file never names
type HostTask = ListrTaskWrapper<unknown, any, any>;

/** Where a collapsed play is drawn: the terminal (process.stdout), or a stand-in in tests. */
export interface Screen {
  write(s: string): unknown;
  rows?: number;
  columns?: number;
}

/** A collapsed play is redrawn at most this often, and only when a line changed. */
const REDRAW_MS = 100;

/** One play as the terminal shows it, fed by the runner's events. */
interface PlayView {
  taskStart(host: string, task: string): void;
  progress(host: string, task: string, suffix: string): void;
  changed(host: string): void;
  failed(host: string, status: 'failed' | 'unreachable', task: string, msg: string): void;
  hostDone(host: string): void;
  /** Draws the play once the plays before it are drawn; resolves when every host is done. */
  show(): Promise<void>;
  /** The run ended (a Ctrl-C leaves hosts unfinished): stop waiting for them. */
  end(): void;
}

export function ttyReporter(
  write: (line: string) => void,
  style: Style,
  opts: { diff: boolean; screen?: Screen; now?: () => number },
) {
  const screen = opts.screen ?? process.stdout;
  const now = opts.now ?? Date.now;
  let chain: Promise<void> = Promise.resolve();
  let play: PlayView | undefined;
  const diffs: string[] = [];
  const failures: string[] = [];
  /** Hosts a failed serial batch left unrun, by the reason (one line per reason, not per host). */
  const notRun = new Map<string, string[]>();

  const onEvent = (e: RunEvent): void => {
    switch (e.type) {
      case 'start':
        if (e.check) write(style.dim('check mode: nothing on any host will change; "changed" means "would change"'));
        return;
      case 'play': {
        play =
          e.hosts.length > collapseThreshold(screen.rows)
            ? collapsedPlay(e.play, e.hosts, style, screen, now)
            : listrPlay(e.play, e.hosts, style);
        const shown = play;
        chain = chain.then(() => shown.show());
        return;
      }
      case 'task-start':
        play?.taskStart(e.host, e.task);
        return;
      case 'task-progress':
        play?.progress(e.host, e.task, progressSuffix(e, style));
        return;
      case 'task': {
        if (e.status === 'changed') play?.changed(e.host);
        if (opts.diff && e.diff && e.status === 'changed')
          diffs.push(
            `[${e.host}] ${e.task}\n  - ${e.diff.before.split('\n').join('\n  - ')}\n` +
              `  + ${e.diff.after.split('\n').join('\n  + ')}`,
          );
        if (e.status === 'skipped' && e.task === NOT_RUN_TASK) {
          notRun.set(e.msg, [...(notRun.get(e.msg) ?? []), e.host]);
        }
        if (e.status === 'failed' || e.status === 'unreachable') {
          failures.push(`${style.red(`${e.status}:`)} [${e.host}] ${e.task}: ${e.msg}`);
          play?.failed(e.host, e.status, e.task, e.msg);
        }
        return;
      }
      case 'host-done':
        play?.hostDone(e.host);
        return;
      case 'recap':
        play?.end();
        chain = chain.then(() => {
          if (diffs.length) write(diffs.join('\n'));
          if (failures.length) write(failures.join('\n'));
          for (const [msg, hosts] of notRun) write(`${style.cyan('not run:')} [${hosts.join(', ')}] ${msg}`);
          write(
            '\n' + formatRecap(e.hosts, e.durationMs, style) + (e.interrupted ? '\n' + style.red('interrupted') : ''),
          );
        });
        return;
    }
  };
  return Object.assign(onEvent, { done: () => chain });
}

interface HostRow {
  settle: (err?: Error) => void;
  task?: HostTask;
  changed: number;
  started: number;
}

/** A play that fits the terminal: listr2's tree, one row per host. */
function listrPlay(name: string, hosts: string[], style: Style): PlayView {
  const rows = new Map<string, HostRow>();
  const gates = hosts.map(
    (h) =>
      new Promise<void>((res, rej) =>
        rows.set(h, { settle: (err) => (err ? rej(err) : res()), changed: 0, started: Date.now() }),
      ),
  );
  for (const g of gates) g.catch(() => undefined);
  const list = new Listr(
    [
      {
        title: `${name} ${style.dim(`[${hosts.join(', ') || 'no hosts'}]`)}`,
        task: (_c, t) =>
          t.newListr(
            hosts.map((h, i) => ({
              title: h,
              task: (_cc: unknown, ht: HostTask) => {
                rows.get(h)!.task = ht;
                return gates[i];
              },
            })),
            { concurrent: true, exitOnError: false },
          ),
      },
    ],
    { exitOnError: false, rendererOptions: { collapseSubtasks: false, collapseErrors: false } },
  );
  const retitle = (host: string, title: string) => {
    const r = rows.get(host);
    if (r?.task) r.task.title = title;
  };
  return {
    taskStart: (host, task) => retitle(host, `${host} ${style.dim('›')} ${task}`),
    progress: (host, task, suffix) => retitle(host, `${host} ${style.dim('›')} ${task} ${suffix}`),
    changed: (host) => {
      const r = rows.get(host);
      if (r) r.changed++;
    },
    failed: (host, _status, task, msg) => rows.get(host)?.settle(new Error(`${task}: ${msg.split('\n')[0]}`)),
    hostDone: (host) => {
      const r = rows.get(host);
      if (r) retitle(host, `${host} ${style.dim(`${r.changed} changed, ${Date.now() - r.started} ms`)}`);
      r?.settle();
    },
    show: () =>
      list.run().then(
        () => undefined,
        () => undefined,
      ),
    end: () => {
      for (const r of rows.values()) r.settle();
    },
  };
}

/**
 * A play with more hosts than fit: its name, each failed host's row as it fails (kept, never redrawn),
 * then the lines of tty-collapse.ts `liveLines`, redrawn in place; the count stays when the play ends.
 */
function collapsedPlay(name: string, hostNames: string[], style: Style, screen: Screen, now: () => number): PlayView {
  const hosts = new Map<string, HostView>(hostNames.map((h) => [h, newHostView()]));
  const failedRows: string[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((res) => {
    finish = res;
  });
  let kept = 0; // failed rows on the screen
  let drawn = 0; // live lines on the screen, under them
  let last = '';
  const draw = () => {
    const width = Math.max(20, (screen.columns ?? 80) - 1);
    const live = liveLines(hosts, now(), style, screen.rows).map((l) => `${fitWidth(l, width)}\n`);
    if (live.join('') === last && kept === failedRows.length) return;
    // One write per frame: up over the live lines, erase to the end of the screen, then the new lines.
    const up = drawn ? `\u001b[${drawn}A\r\u001b[J` : '';
    screen.write(up + failedRows.slice(kept).join('') + live.join(''));
    kept = failedRows.length;
    drawn = live.length;
    last = live.join('');
  };
  const on = (host: string, f: (h: HostView) => void) => {
    const h = hosts.get(host);
    if (h) f(h);
  };
  return {
    taskStart: (host, task) =>
      on(host, (h) => {
        h.task = task;
        h.taskStarted = now();
        h.suffix = undefined;
      }),
    progress: (host, task, suffix) =>
      on(host, (h) => {
        // The run lock's wait comes before any task-start.
        if (h.task !== task) {
          h.task = task;
          h.taskStarted = now();
        }
        h.suffix = suffix;
      }),
    changed: (host) =>
      on(host, (h) => {
        h.changed = true;
      }),
    failed: (host, status, task, msg) =>
      on(host, (h) => {
        if (h.failed) return; // one row per host: its first failure (the list after the play has all)
        h.failed = status;
        failedRows.push(`${failedRow(host, status, task, msg, style)}\n`);
      }),
    hostDone: (host) =>
      on(host, (h) => {
        h.done = true;
        if ([...hosts.values()].every((v) => v.done)) finish();
      }),
    show: async () => {
      screen.write(`${style.bold(name)} ${style.dim(`[${hosts.size} hosts]`)}\n`);
      draw();
      const timer = setInterval(draw, REDRAW_MS);
      await finished;
      clearInterval(timer);
      draw();
    },
    end: () => finish(),
  };
}
