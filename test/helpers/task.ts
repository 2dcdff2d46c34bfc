// A task built in code (no playbook file): one module, its args per host already prepared.
import type { Module } from '../../src/operations/module.js';
import type { Task } from '../../src/playbook/types.js';

export function taskOf(name: string, module: Module, argsPerHost: Record<string, unknown>): Task {
  return {
    name,
    module,
    rawArgs: {},
    when: [],
    tags: [],
    notify: [],
    continueOnFailure: false,
    pos: { file: 'pb.yaml', line: 1, col: 1 },
    prepared: new Map(Object.entries(argsPerHost).map(([h, args]) => [h, { run: true, args }])),
  };
}
