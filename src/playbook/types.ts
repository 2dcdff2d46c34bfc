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
}

export interface Playbook {
  file: string;
  plays: Play[];
}
