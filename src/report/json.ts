// --json: NDJSON on stdout, one event per line; exactly one recap, last. Beyond the SPEC's task and
// recap events: play (a play starts) and task-progress (what a running task waits for or does, e.g. the
// dpkg lock, apt's steps with their percent), every one the runner sends: not throttled by time, so a
// script sees each step (the runner already drops repeats; apt makes about 5 per package).
import type { RunEvent } from '../playbook/events.js';

export function jsonReporter(write: (line: string) => void) {
  return (e: RunEvent): void => {
    if (e.type === 'task') {
      const { type, play, task, host, status, durationMs, msg, diff } = e;
      write(JSON.stringify({ type, play, task, host, status, durationMs, msg, ...(diff ? { diff } : {}) }));
    } else if (e.type === 'recap' || e.type === 'play' || e.type === 'task-progress') {
      write(JSON.stringify(e));
    }
  };
}
