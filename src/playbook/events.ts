// What the runner tells reporters. Reporters only listen; they never drive execution.
import type { Diff } from '../operations/module.js';

export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface Counts {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
}

export type RunEvent =
  | { type: 'start'; playbook: string; hosts: string[]; check: boolean }
  | { type: 'play'; play: string; hosts: string[] }
  | { type: 'task-start'; play: string; task: string; host: string }
  /**
   * While a task's command runs: what it waits for (the dpkg lock) or does (apt: "unpacking ovn-host"),
   * with `percent` (0-100, whole) of the current step when the command says; apt's download and dpkg
   * run are two steps, each from 0. Repeats only when the text or the percent changes.
   */
  | { type: 'task-progress'; play: string; task: string; host: string; msg: string; percent?: number }
  | { type: 'host-done'; play: string; host: string }
  | {
      type: 'task';
      play: string;
      task: string;
      host: string;
      status: TaskStatus;
      durationMs: number;
      msg: string;
      diff?: Diff;
      handler?: boolean;
    }
  | { type: 'recap'; hosts: Record<string, Counts>; durationMs: number; interrupted?: boolean };

export type EventSink = (e: RunEvent) => void;

export const emptyCounts = (): Counts => ({ ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0 });
