// Which files an Ansible inventory is read from, and how, as ansible-inventory does: a file without
// extension by its content (YAML or INI), a vars file Ansible cannot use is an error at its line, and an
// inventory directory's file that neither YAML nor INI reads is skipped with a notice.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadInventoryForm, type LoadOptions } from '../../src/inventory/load.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-ansible-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `files` (relative path → text) into a fresh directory; returns it. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(dir, 'case-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const load = (file: string, opts: LoadOptions = {}) => loadInventoryForm(file, { env: { HOME: '/home/t' }, ...opts });

async function failure(file: string): Promise<InputError> {
  const err = await load(file).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

const INI = '[masters]\nm1 ansible_host=10.0.0.10\n[nodes]\nn1 ansible_host=10.0.0.11\n';

describe('a file without extension is read by its content', () => {
  test('YAML in `hosts`', async () => {
    const root = tree({
      hosts: 'all:\n  vars: {ansible_user: debian}\n  children:\n    masters:\n      hosts:\n        10.0.0.10:\n',
    });
    const { format, inventory } = await load(path.join(root, 'hosts'));
    expect(format).toBe('ansible-yaml');
    expect(inventory.hosts.map((h) => [h.name, h.address, h.ssh.user])).toEqual([['10.0.0.10', '10.0.0.10', 'debian']]);
  });

  test('INI host lines without any section: ungrouped hosts, as the ini plugin reads them', async () => {
    const root = tree({ hosts: '10.0.0.10\n10.0.0.11 ansible_port=2222\n' });
    const { format, inventory } = await load(path.join(root, 'hosts'), {
      roleGroups: { masters: 'ungrouped', nodes: 'all' },
    });
    expect(format).toBe('ansible-ini');
    expect(inventory.hosts.map((h) => [h.name, h.ssh.port])).toEqual([
      ['10.0.0.10', 22],
      ['10.0.0.11', 2222],
    ]);
  });

  test('a plain word in a .yaml file is a broken ovnctl inventory, not INI', async () => {
    const root = tree({ 'inventory.yaml': 'hello\n' });
    expect((await failure(path.join(root, 'inventory.yaml'))).detail).toMatch(/must be a mapping/);
  });
});

describe('vars files Ansible cannot use are errors at their place', () => {
  test('a YAML syntax error in group_vars/all.yml', async () => {
    const root = tree({ hosts: INI, 'group_vars/all.yml': 'ansible_user: ops\nextra: [unclosed\n' });
    const err = await failure(path.join(root, 'hosts'));
    expect(err.pos?.file).toBe(path.join(root, 'group_vars/all.yml'));
    expect(err.pos?.line).toBeGreaterThanOrEqual(2);
  });

  test('group_vars/nodes written as INI is not a mapping', async () => {
    const root = tree({ hosts: INI, 'group_vars/nodes': 'ansible_user=ops\n' });
    const err = await failure(path.join(root, 'hosts'));
    expect({ file: err.pos?.file, line: err.pos?.line, col: err.pos?.col }).toEqual({
      file: path.join(root, 'group_vars/nodes'),
      line: 1,
      col: 1,
    });
    expect(err.detail).toBe('a vars file must be a mapping of name: value (YAML or JSON)');
  });
});

describe('an inventory directory', () => {
  test('a file neither YAML nor INI reads is skipped, with a notice naming where it failed', async () => {
    const root = tree({ '01-hosts': INI, '02-notes': 'these notes: are not: an inventory\n' });
    const { inventory, notices } = await load(root);
    expect(inventory.hosts.map((h) => h.name)).toEqual(['m1', 'n1']);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(
      new RegExp(`^skipped ${path.join(root, '02-notes')}:1:7: expected key=value .*Ansible skips it too\\)$`),
    );
  });

  test('a directory of nothing readable is an error', async () => {
    const root = tree({ notes: 'these notes: are not: an inventory\n' });
    expect((await failure(root)).detail).toMatch(/no file Ansible reads as an inventory/);
  });

  test('an ovnctl inventory in it is still refused', async () => {
    const root = tree({ '01-hosts': INI, '02-native.yaml': 'hosts:\n  m2: {address: 10.0.0.12, roles: [master]}\n' });
    expect((await failure(root)).detail).toMatch(/this is an ovnctl inventory/);
  });
});
