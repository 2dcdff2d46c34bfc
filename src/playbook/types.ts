// A loaded, validated playbook: plays of tasks, every task already checked against each host it targets.
import type { SourcePos } from '../errors.js';
import type { Module } from '../operations/module.js';

export interface Task {
  name: string;
  module: Module;
  /** Raw args as written (may hold {{ }} templates). */
  rawArgs: unknown;
  when: string[];
  whenPos?: SourcePos;
  tags: string[];
  notify: string[];
  /** A failure is counted but the host goes on with the next task (checks in verify). */
  continueOnFailure: boolean;
  /** `run_once`: only the first live host of the play (of its batch under `serial`) runs and reports it. */
  runOnce?: boolean;
  /**
   * `throttle: N`: at most N hosts run it at once, across the run (Ansible's keyword), for a task whose
   * hosts all ask one server. Its facts are read while it holds its slot, not ahead with the others'.
   */
  throttle?: number;
  pos: SourcePos;
  /** Per host: whether `when` holds and the rendered, validated args. Filled by load. */
  prepared: Map<string, { run: boolean; args: unknown }>;
}

export interface Play {
  name: string;
  hosts: string;
  tags: string[];
  tasks: Task[];
  handlers: Task[];
  pos: SourcePos;
  /** Host names this play runs on, after --limit, in inventory order. */
  targets: string[];
  /** `serial`: the targets run in batches of this size, each batch through the whole play before the next. */
  serial?: Serial;
  /**
   * `gate: true` (preflight): every task runs on every host even after one failed, so a host's every
   * problem is listed; a host with a failed task then leaves the run at the end of the play.
   */
  gate?: boolean;
}

/** `serial: 2` or `serial: "30%"` (of the play's targets, rounded down, at least 1 host). */
export type Serial = { hosts: number } | { percent: number };

export interface Playbook {
  file: string;
  plays: Play[];
}
