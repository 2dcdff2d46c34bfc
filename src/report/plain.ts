// Plain lines for CI logs and pipes: one line per task result per host, then the recap; a running
// task's progress at most every 5 s per host (progress.ts).
import { NOT_RUN_TASK } from '../playbook/batches.js';
import type { RunEvent } from '../playbook/events.js';
import { plainProgressGate, progressText } from './progress.js';
import { formatRecap } from './recap.js';
import type { Style } from './style.js';

export function plainReporter(
  write: (line: string) => void,
  style: Style,
  opts: { diff: boolean; verbose: boolean; now?: () => number },
) {
  const progress = plainProgressGate(opts.now ?? Date.now);
  return (e: RunEvent): void => {
    switch (e.type) {
      case 'start':
        if (e.check) write(style.dim('check mode: nothing on any host will change; "changed" means "would change"'));
        return;
      case 'play':
        write(style.bold(`\nPLAY [${e.play}] `) + style.dim(e.hosts.length ? e.hosts.join(', ') : '(no hosts)'));
        return;
      case 'task': {
        progress.taskDone(e);
        const color = {
          ok: style.green,
          changed: style.yellow,
          failed: style.red,
          unreachable: style.red,
          skipped: style.cyan,
        }[e.status];
        const showMsg = e.status !== 'ok' || opts.verbose;
        const msg = showMsg && e.msg ? `: ${e.msg}` : '';
        const line = `${color(`${e.status}:`)} [${e.host}] ${e.task}${style.dim(` (${e.durationMs} ms)`)}${msg}`;
        // Routine skips (condition false) are noise; hosts a failed serial batch left unrun are not.
        if (e.status === 'skipped' && !opts.verbose && e.task !== NOT_RUN_TASK) return;
        write(line);
        if (opts.diff && e.diff && e.status === 'changed') {
          for (const l of e.diff.before.split('\n')) if (l) write(style.red(`  - ${l}`));
          for (const l of e.diff.after.split('\n')) if (l) write(style.green(`  + ${l}`));
        }
        return;
      }
      case 'task-progress':
        if (progress.show(e)) write(`${style.cyan('progress:')} [${e.host}] ${e.task}: ${progressText(e)}`);
        return;
      case 'recap':
        write(
          '\n' + formatRecap(e.hosts, e.durationMs, style) + (e.interrupted ? '\n' + style.red('interrupted') : ''),
        );
        return;
      default:
        return;
    }
  };
}
