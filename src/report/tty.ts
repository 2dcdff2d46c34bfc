// On a terminal: a listr2 tree per play (play → hosts, each showing the task it is on), then the recap.
// listr2 only renders here; every task promise is settled by runner events.
import { Listr, type ListrTaskWrapper } from 'listr2';
import { NOT_RUN_TASK } from '../playbook/batches.js';
import type { RunEvent } from '../playbook/events.js';
import { progressSuffix } from './progress.js';
import { formatRecap } from './recap.js';
import type { Style } from './style.js';

// biome-ignore lint/suspicious/noExplicitAny: listr2 types a task wrapper by renderer classes this file never names
type HostTask = ListrTaskWrapper<unknown, any, any>;

interface HostRow {
  settle: (err?: Error) => void;
  task?: HostTask;
  title: string;
  changed: number;
  started: number;
}

export function ttyReporter(write: (line: string) => void, style: Style, opts: { diff: boolean }) {
  let chain: Promise<void> = Promise.resolve();
  let rows = new Map<string, HostRow>();
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
        const current = new Map<string, HostRow>();
        const gates = e.hosts.map(
          (h) =>
            new Promise<void>((res, rej) =>
              current.set(h, { settle: (err) => (err ? rej(err) : res()), title: h, changed: 0, started: Date.now() }),
            ),
        );
        for (const g of gates) g.catch(() => undefined);
        rows = current;
        const list = new Listr(
          [
            {
              title: `${e.play} ${style.dim(`[${e.hosts.join(', ') || 'no hosts'}]`)}`,
              task: (_c, t) =>
                t.newListr(
                  e.hosts.map((h, i) => ({
                    title: h,
                    task: (_cc: unknown, ht: HostTask) => {
                      current.get(h)!.task = ht;
                      return gates[i];
                    },
                  })),
                  { concurrent: true, exitOnError: false },
                ),
            },
          ],
          { exitOnError: false, rendererOptions: { collapseSubtasks: false, collapseErrors: false } },
        );
        chain = chain.then(() =>
          list.run().then(
            () => undefined,
            () => undefined,
          ),
        );
        return;
      }
      case 'task-start': {
        const r = rows.get(e.host);
        if (r?.task) r.task.title = `${e.host} ${style.dim('›')} ${e.task}`;
        return;
      }
      case 'task-progress': {
        const r = rows.get(e.host);
        if (r?.task) r.task.title = `${e.host} ${style.dim('›')} ${e.task} ${progressSuffix(e, style)}`;
        return;
      }
      case 'task': {
        const r = rows.get(e.host);
        if (e.status === 'changed' && r) r.changed++;
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
          r?.settle(new Error(`${e.task}: ${e.msg.split('\n')[0]}`));
        }
        return;
      }
      case 'host-done': {
        const r = rows.get(e.host);
        if (r?.task) r.task.title = `${e.host} ${style.dim(`${r.changed} changed, ${Date.now() - r.started} ms`)}`;
        r?.settle();
        return;
      }
      case 'recap':
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
