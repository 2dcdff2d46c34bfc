// Playbook files written into a temp dir, loaded against an inventory and run on LocalConnection "hosts"
// (test/helpers/run-local.ts): what the run_once, include and serial tests share.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import type { Connection } from '../../../src/connection/types.js';
import { InputError } from '../../../src/errors.js';
import type { Host, Inventory } from '../../../src/inventory/types.js';
import type { RunEvent } from '../../../src/playbook/events.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { runLocal } from '../../helpers/run-local.js';
import { guideInventory, host } from '../../helpers/inventory.js';

export type TaskEvent = Extract<RunEvent, { type: 'task' }>;

/** A fresh temp dir holding `files` (relative path → text); returns the dir. */
export function writeFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ovnctl-pb-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** The guide's cluster plus nodes n3 and n4: m1, n1, n2, n3, n4 in inventory order. */
export function fiveHosts(): Inventory {
  const base = guideInventory();
  const more = [host('n3', '10.0.0.13', ['node']), host('n4', '10.0.0.14', ['node'])];
  const hosts: Host[] = [...base.hosts, ...more];
  const names = hosts.map((h) => h.name);
  return { ...base, hosts, groups: { all: names, masters: ['m1'], nodes: names.filter((n) => n !== 'm1') } };
}

export interface RunFileOptions {
  limit?: string[];
  extraVars?: Record<string, unknown>;
  connect?: (name: string) => Connection;
}

export function load(file: string, inv: Inventory, o: RunFileOptions = {}) {
  const selected = o.limit ? inv.hosts.filter((h) => o.limit!.includes(h.name)) : inv.hosts;
  return loadPlaybook(file, inv, { selected, extraVars: o.extraVars ?? {} });
}

/** Loads `file` and runs it; the events, the task results among them, and the result. */
export async function runFile(file: string, inv: Inventory, o: RunFileOptions = {}) {
  const { result, events } = await runLocal(load(file, inv, o), inv, { connect: o.connect });
  const tasks = events.filter((e): e is TaskEvent => e.type === 'task');
  return { result, events, tasks };
}

/** The InputError `fn` throws, checked to be an exit-5 error at `file:line:col`. */
export function inputError(fn: () => unknown, file: string, line: number, col: number): InputError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InputError);
  const e = err as InputError;
  expect(e.exitCode).toBe(5);
  expect(e.pos).toEqual({ file, line, col });
  expect(e.message.startsWith(`${file}:${line}:${col}: `)).toBe(true);
  return e;
}
