// How a task-progress event reads: words and percent on a plain line, a bar in the terminal tree, and
// how often plain output repeats it.
import type { RunEvent } from '../playbook/events.js';
import type { Style } from './style.js';

type ProgressEvent = Extract<RunEvent, { type: 'task-progress' }>;

/** Plain output shows a host's task's percent progress at most this often (a CI log stays short). */
export const PLAIN_PROGRESS_EVERY_MS = 5000;

/** "unpacking ovn-host (42%)"; a wait without a percent is its words alone. */
export function progressText(e: Pick<ProgressEvent, 'msg' | 'percent'>): string {
  return e.percent === undefined ? e.msg : `${e.msg} (${e.percent}%)`;
}

/** A bar of `width` cells, filled in proportion to `percent` (full only at 100). */
export function progressBar(percent: number, width = 20): string {
  const filled = Math.floor((Math.max(0, Math.min(100, percent)) / 100) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** What follows the task's name in the terminal tree: a bar, the percent and the words; or (words). */
export function progressSuffix(e: Pick<ProgressEvent, 'msg' | 'percent'>, style: Style): string {
  if (e.percent === undefined) return style.cyan(`(${e.msg})`);
  return `${style.cyan(progressBar(e.percent))} ${String(e.percent).padStart(3)}% ${style.dim(e.msg)}`;
}

/**
 * Whether plain output shows this progress event: a wait (no percent) always, since who holds the dpkg
 * lock matters at once; a percent step when nothing was shown for the same host's task for
 * PLAIN_PROGRESS_EVERY_MS. `now` is injected so that tests need no real time.
 */
export function plainProgressGate(now: () => number): {
  show(e: ProgressEvent): boolean;
  taskDone(e: { play: string; task: string; host: string }): void;
} {
  const shown = new Map<string, number>();
  const key = (e: { play: string; task: string; host: string }) => `${e.play}\0${e.task}\0${e.host}`;
  return {
    show(e) {
      const t = now();
      const last = shown.get(key(e));
      if (e.percent !== undefined && last !== undefined && t - last < PLAIN_PROGRESS_EVERY_MS) return false;
      shown.set(key(e), t);
      return true;
    },
    taskDone: (e) => void shown.delete(key(e)),
  };
}
