// A play with more hosts than the terminal has rows, as the terminal shows it: one line counting the
// hosts done, the hosts longest on their current task (the stragglers), and every failed host's row.
// Pure: the state the reporter keeps from events in, lines out; tty.ts draws them.
import type { TaskStatus } from '../playbook/events.js';
import type { Style } from './style.js';

/** Stragglers shown by name; the rest of the running hosts are a count. */
export const MAX_STRAGGLERS = 8;

/** A play collapses when it has more hosts than this: the terminal's rows less 8, and never below 10. */
export function collapseThreshold(terminalRows: number | undefined): number {
  return Math.max(10, (terminalRows ?? 24) - 8);
}

export interface HostView {
  /** The task it is on and when that began; unset until its first task (a host waiting for a fork). */
  task?: string;
  taskStarted?: number;
  /** The running task's progress (progress.ts `progressSuffix`), until the next task starts. */
  suffix?: string;
  changed: boolean;
  failed?: Extract<TaskStatus, 'failed' | 'unreachable'>;
  done: boolean;
}

export function newHostView(): HostView {
  return { changed: false, done: false };
}

/** "187 of 200 hosts done: 12 changed, 1 failed; 8 running, 5 waiting" (zero counts after ';' left out). */
export function summaryText(hosts: HostView[]): string {
  const count = (f: (h: HostView) => boolean) => hosts.filter(f).length;
  const unreachable = count((h) => h.failed === 'unreachable');
  const running = count((h) => !h.done && h.task !== undefined);
  const waiting = count((h) => !h.done && h.task === undefined);
  const after = [running && `${running} running`, waiting && `${waiting} waiting`].filter(Boolean).join(', ');
  return (
    `${count((h) => h.done)} of ${hosts.length} hosts done: ${count((h) => h.changed)} changed, ` +
    `${count((h) => h.failed === 'failed')} failed` +
    (unreachable ? `, ${unreachable} unreachable` : '') +
    (after ? `; ${after}` : '')
  );
}

/** The running hosts without a failure, longest on their current task first; at most `max` by name. */
export function pickStragglers(
  hosts: Map<string, HostView>,
  max = MAX_STRAGGLERS,
): { shown: [string, HostView][]; more: number } {
  const running = [...hosts].filter(([, h]) => !h.done && !h.failed && h.taskStarted !== undefined);
  running.sort(([, a], [, b]) => a.taskStarted! - b.taskStarted!); // stable: ties keep the play's host order
  return { shown: running.slice(0, max), more: Math.max(0, running.length - max) };
}

/** "12s", "1m03s": how long a straggler has been on its task. */
export function elapsedText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** A failed or unreachable host's row, kept for the rest of the play: the task and the error's first line. */
export function failedRow(host: string, status: string, task: string, msg: string, style: Style): string {
  return `  ${style.red('✖')} ${host} ${style.dim('›')} ${task}: ${style.red(`${status}:`)} ${msg.split('\n')[0]}`;
}

/**
 * The lines redrawn in place: the count, then the stragglers and how many more run. A terminal of
 * fewer than 14 rows gets fewer stragglers: lines scrolled off the top could not be redrawn.
 */
export function liveLines(hosts: Map<string, HostView>, now: number, style: Style, terminalRows?: number): string[] {
  const all = [...hosts.values()];
  const finished = all.every((h) => h.done);
  const bad = all.some((h) => h.failed);
  const mark = !finished ? style.cyan('…') : bad ? style.red('✖') : style.green('✔');
  const lines = [`  ${mark} ${summaryText(all)}`];
  const { shown, more } = pickStragglers(hosts, Math.max(1, Math.min(MAX_STRAGGLERS, (terminalRows ?? 24) - 5)));
  for (const [name, h] of shown) {
    const suffix = h.suffix ? ` ${h.suffix}` : '';
    lines.push(`    ${name} ${style.dim('›')} ${h.task}${suffix} ${style.dim(elapsedText(now - h.taskStarted!))}`);
  }
  if (more > 0) lines.push(style.dim(`    and ${more} more running`));
  return lines;
}

/** A color code (chalk writes only these): the part of a line that takes no column. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what starts a color code
const SGR = /(\u001b\[[0-9;]*m)/;

/** `line` cut to `columns` visible characters, color codes kept: a wrapped line would break the redraw. */
export function fitWidth(line: string, columns: number): string {
  let out = '';
  let visible = 0;
  for (const part of line.split(SGR)) {
    if (SGR.test(part)) out += part;
    else {
      const chars = [...part].slice(0, Math.max(0, columns - visible));
      out += chars.join('');
      visible += chars.length;
    }
  }
  return out;
}
