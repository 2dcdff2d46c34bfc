// The runner's fact cache on a LocalConnection "host" (files in a temp dir): a change drops only what
// its module declares stale (all of it by default), and a task that then lacks facts reads them in one
// exec together with those the rest of the play lacks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import { defineFact } from '../../../src/facts/fact.js';
import { Resource } from '../../../src/facts/resources.js';
import { defineModule, noChange, type Module } from '../../../src/operations/module.js';
import type { RunEvent } from '../../../src/playbook/events.js';
import type { Playbook } from '../../../src/playbook/types.js';
import { quote } from '../../../src/shell/quote.js';
import { sh } from '../../../src/shell/command.js';
import { guideInventory } from '../../helpers/inventory.js';
import { runLocal } from '../../helpers/run-local.js';
import { taskOf } from '../../helpers/task.js';

const dir = mkdtempSync(join(tmpdir(), 'ovnctl-facts-'));
/** Each test file stands for a resource of its own, so a change to one leaves the others' facts cached. */
const RESOURCE_OF: Record<string, Resource> = { a: Resource.files, b: Resource.processes, c: Resource.links };
/** The content of a file in the temp dir; a fact that cannot be parsed when the file holds "garbage". */
const content = (name: string) =>
  defineFact(
    `t.${name}`,
    `cat ${quote(join(dir, name))}`,
    (out) => {
      if (out.trim() === 'garbage') throw new Error(`cannot parse t.${name}`);
      return out.trim();
    },
    { reads: [RESOURCE_OF[name]] },
  );

const args = z.object({ file: z.string(), value: z.string().default('') }).strict();
/** Writes `value` into the file unless it holds it already. */
const writer = (name: string, writes?: (a: z.infer<typeof args>) => Resource[]): Module =>
  defineModule({
    name,
    args,
    facts: ({ file }) => [content(file)],
    plan: ({ file, value }, facts) =>
      facts(content(file)) === value ? noChange() : { commands: [sh`echo ${value} > ${join(dir, file)}`] },
    ...(writes ? { writes } : {}),
  });
const narrow = writer('narrow', ({ file }) => [RESOURCE_OF[file]]);
const broad = writer('broad');
/** Reports what it read as the task's message. */
const reader = defineModule({
  name: 'reader',
  args,
  facts: ({ file }) => [content(file)],
  plan: ({ file }, facts) => noChange(facts(content(file)) as string),
});

function playbook(tasks: [Module, string, string?][]): Playbook {
  const pos = { file: 'pb.yaml', line: 1, col: 1 };
  const list = tasks.map(([module, file, value], i) =>
    taskOf(`${i} ${module.name} ${file}`, module, { m1: { file, value: value ?? '' } }),
  );
  return {
    file: 'pb.yaml',
    plays: [{ name: 'p', hosts: 'm1', tags: [], tasks: list, handlers: [], pos, targets: ['m1'] }],
  };
}

/** Runs on m1 with files a, b, c holding "old"; returns each gather's fact keys and the task results. */
async function run(tasks: [Module, string, string?][], files: Record<string, string> = {}) {
  for (const [f, v] of Object.entries({ a: 'old', b: 'old', c: 'old', ...files }))
    writeFileSync(join(dir, f), v + '\n');
  const gathers: string[][] = [];
  const connect = (n: string) => {
    const c = new LocalConnection(n);
    const exec = c.exec.bind(c);
    c.exec = (script, o) => {
      if (o?.display?.startsWith('gather facts: '))
        gathers.push(o.display.slice('gather facts: '.length).split(' ').sort());
      return exec(script, o);
    };
    return c;
  };
  const { events } = await runLocal(playbook(tasks), guideInventory(), { connect });
  const results = events
    .filter((e): e is Extract<RunEvent, { type: 'task' }> => e.type === 'task')
    .map((e) => [e.status, e.msg]);
  return { gathers, results };
}

describe('fact cache', () => {
  it(
    'a narrow change keeps the facts it does not name: ' + 'no re-read for them, a fresh one for what it changed',
    async () => {
      const r = await run(
        [
          [narrow, 'a', 'new'],
          [reader, 'b'],
          [reader, 'a'],
        ],
        { b: 'from-cache' },
      );
      expect(r.gathers).toEqual([['t.a', 't.b'], ['t.a']]);
      expect(r.results).toEqual([
        ['changed', expect.any(String)],
        ['ok', 'from-cache'],
        ['ok', 'new'],
      ]);
    },
  );

  it(
    'a module without a declaration drops every cached fact, ' + 'and the next read covers the rest of the play',
    async () => {
      const r = await run([
        [broad, 'a', 'new'],
        [reader, 'b'],
        [reader, 'c'],
        [reader, 'a'],
      ]);
      expect(r.gathers).toEqual([
        ['t.a', 't.b', 't.c'],
        ['t.a', 't.b', 't.c'],
      ]);
      expect(r.results.map(([s]) => s)).toEqual(['changed', 'ok', 'ok', 'ok']);
      expect(r.results[3][1]).toBe('new');
    },
  );

  it('a run of narrow changes after a full one costs one read, not one per task', async () => {
    const r = await run([
      [broad, 'a', 'x'],
      [narrow, 'b', 'y'],
      [narrow, 'c', 'z'],
      [reader, 'a'],
    ]);
    expect(r.gathers).toEqual([
      ['t.a', 't.b', 't.c'],
      ['t.a', 't.b', 't.c'],
    ]);
    expect(r.results.map(([s]) => s)).toEqual(['changed', 'changed', 'changed', 'ok']);
  });

  it(
    "a later task's unreadable fact does not fail the task that reads its own: " +
      'the later task fails in its own name',
    async () => {
      const r = await run(
        [
          [broad, 'a', 'new'],
          [reader, 'b'],
          [reader, 'c'],
        ],
        { c: 'garbage' },
      );
      expect(r.results[1]).toEqual(['ok', 'old']);
      expect(r.results[2]).toEqual(['failed', expect.stringContaining('cannot parse t.c')]);
    },
  );
});
