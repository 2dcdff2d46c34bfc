// The one way in for input files (src/source/): an inventory and a playbook get the same guards, and
// each message says which of the two was read, at the file:line:col of the fault.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadInventory } from '../../src/inventory/load.js';
import type { Inventory } from '../../src/inventory/types.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { readYamlSource } from '../../src/source/yaml-source.js';

const INVENTORY = 'hosts:\n  m1: {address: 10.0.0.10, roles: [master]}\n';
const PLAYBOOK = '- name: p\n  hosts: all\n  tasks: []\n';
/** Comment lines past 1 MiB: valid YAML, so only the size can be the problem. */
const PAD = `# ${'x'.repeat(1000)}\n`.repeat(1100);
/** Each row is ten of the row above: the last one stands for 10^6 nodes. */
const LAUGHS = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
  .concat(['b', 'c', 'd', 'e', 'f'].map((n, i) => `${n}: &${n} [${Array(10).fill(`*${'abcde'[i]}`).join(', ')}]`))
  .concat(`g: [${Array(10).fill('*f').join(', ')}]`);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-source-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(dir, 'case-')), name);
  writeFileSync(file, text);
  return file;
}

/** The InputError `run` throws, checked to sit at `file:line:col`. */
async function inputError(run: () => unknown, file: string, line: number, col: number): Promise<InputError> {
  const err = await Promise.resolve()
    .then(run)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(InputError);
  const e = err as InputError;
  expect(e.pos).toEqual({ file, line, col });
  expect(e.message.startsWith(`${file}:${line}:${col}: `)).toBe(true);
  return e;
}

const readPlaybook = (file: string) => () => readYamlSource(file);
const readInventory = (file: string) => () => loadInventory(file, { env: {} });

describe('an oversized file', () => {
  test('a playbook is "the most a playbook may be", not an inventory', async () => {
    const file = write('playbook.yaml', PLAYBOOK + PAD);
    const err = await inputError(readPlaybook(file), file, 1, 1);
    expect(err.detail).toBe('file is larger than 1 MiB (1048576 bytes), the most a playbook may be');
    expect(err.detail).not.toMatch(/inventory/);
  });

  test('the playbook loader says the same', async () => {
    const file = write('playbook.yaml', PLAYBOOK + PAD);
    const load = () => loadPlaybook(file, {} as Inventory, { selected: [], extraVars: {} });
    expect((await inputError(load, file, 1, 1)).detail).toMatch(/the most a playbook may be$/);
  });

  test('an inventory is still "the most an inventory may be"', async () => {
    const file = write('inventory.yaml', INVENTORY + PAD);
    const err = await inputError(readInventory(file), file, 1, 1);
    expect(err.detail).toBe('file is larger than 1 MiB (1048576 bytes), the most an inventory may be');
  });
});

describe('a file that cannot be read names what it was', () => {
  test('a playbook', () => {
    const file = path.join(dir, 'missing.yaml');
    expect(readPlaybook(file)).toThrow(new InputError(`cannot read playbook ${file}: no such file`));
    expect(() => readYamlSource(dir)).toThrow(`cannot read playbook ${dir}: it is a directory`);
  });

  test('whatever the caller says it is', () => {
    const file = path.join(dir, 'missing.yaml');
    const read = () => readYamlSource(file, 'included playbook');
    expect(read).toThrow(`cannot read included playbook ${file}: no such file`);
  });
});

describe('aliases', () => {
  test('an alias before its anchor in a playbook: at the alias', async () => {
    const file = write('playbook.yaml', '- name: p\n  hosts: all\n  vars: {a: *late, b: &late 1}\n  tasks: []\n');
    const err = await inputError(readPlaybook(file), file, 3, 13);
    expect(err.detail).toBe('alias *late has no anchor &late before it');
  });

  test('an alias before its anchor in an inventory: at the alias', async () => {
    const file = write('inventory.yaml', `${INVENTORY}cluster: *late\nvars: &late {}\n`);
    const err = await inputError(readInventory(file), file, 3, 10);
    expect(err.detail).toBe('alias *late has no anchor &late before it');
  });

  test('a billion-laughs playbook is stopped at the alias that crosses the bound', async () => {
    const text = `- name: p\n  hosts: all\n  vars:\n${LAUGHS.map((l) => `    ${l}\n`).join('')}  tasks: []\n`;
    const file = write('playbook.yaml', text);
    const t0 = Date.now();
    // b, c, d add 110 + 1110 + 11110 nodes; each *d of row e adds 11111: its 8th crosses 100000.
    const err = await inputError(readPlaybook(file), file, 8, 40);
    expect(err.detail).toBe('aliases expand to more than 100000 nodes');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  test('the same bomb in an inventory stops at the same alias', async () => {
    const file = write('inventory.yaml', `${INVENTORY}vars:\n${LAUGHS.map((l) => `  ${l}\n`).join('')}`);
    const err = await inputError(readInventory(file), file, 8, 38);
    expect(err.detail).toBe('aliases expand to more than 100000 nodes');
  });

  // A loop used to expand without end in an inventory (out of memory) and was misnamed in a playbook.
  test.each([
    ['playbook', '- name: p\n  hosts: all\n  vars: &v {a: [1, *v]}\n  tasks: []\n', 3, 20],
    ['inventory', `${INVENTORY}vars: &v {a: [1, *v]}\n`, 3, 18],
  ])('an alias inside the node it names, in a %s', async (kind, text, line, col) => {
    const file = write(`${kind}.yaml`, text);
    const err = await inputError(kind === 'playbook' ? readPlaybook(file) : readInventory(file), file, line, col);
    expect(err.detail).toBe('alias *v is inside the node &v it names (a loop)');
  });
});
