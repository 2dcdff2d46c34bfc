// Which Ansible groups give the roles (--masters-group/--nodes-group, ovnctl_masters_group/_nodes_group),
// what becomes of the other hosts (one stderr line, never silence), group_vars/ and host_vars/ with
// Ansible's precedence, templates, and the forms Ansible accepts (IPv6, ranges, `hosts:` as a string).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { parseOptions } from '../../src/cli/options.js';
import { InputError } from '../../src/errors.js';
import { expandHostPattern, parseHostPattern } from '../../src/inventory/ansible-model.js';
import { loadInventoryForm, type LoadOptions } from '../../src/inventory/load.js';
import { ovnctl } from '../helpers/cli.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/ansible');
const env = { HOME: '/home/tester' };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-ansible-groups-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `files` (relative path → text) into a new directory; returns the path of the first. */
function write(files: Record<string, string>): string {
  const sub = mkdtempSync(path.join(dir, 'case-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(sub, name)), { recursive: true });
    writeFileSync(path.join(sub, name), text);
  }
  return path.join(sub, Object.keys(files)[0]);
}

async function failure(file: string, opts: LoadOptions = {}): Promise<InputError> {
  try {
    await loadInventoryForm(file, { env, ...opts });
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

const KUBESPRAY = `[kube_control_plane]
cp1 ansible_host=10.0.0.10
[etcd]
cp1
etcd2 ansible_host=10.0.0.12
[kube_node]
10.0.0.21
10.0.0.22
[bastion]
bastion ansible_host=10.0.0.5
`;

describe('role groups', () => {
  test('--masters-group/--nodes-group map kubespray; the hosts in neither are named in one notice', async () => {
    const file = write({ 'hosts.ini': KUBESPRAY });
    const loaded = await loadInventoryForm(file, {
      env,
      roleGroups: { masters: 'kube_control_plane', nodes: 'kube_node' },
    });
    expect(loaded.inventory.hosts.map((h) => [h.name, h.roles])).toEqual([
      ['cp1', ['master']],
      ['10.0.0.21', ['node']],
      ['10.0.0.22', ['node']],
    ]);
    // The role groups stay groups by their own names, for --limit.
    expect(loaded.inventory.groups.kube_control_plane).toEqual(['cp1']);
    expect(loaded.notices).toEqual([
      'left out: etcd2, bastion (2 hosts in groups etcd, bastion: in neither kube_control_plane nor kube_node; ' +
        'map other groups with --masters-group/--nodes-group)',
    ]);
  });

  test('the same from ovnctl_masters_group/ovnctl_nodes_group in [all:vars]; the options win over them', async () => {
    const file = write({
      'hosts.ini': `${KUBESPRAY}[all:vars]\novnctl_masters_group=kube_control_plane\novnctl_nodes_group=kube_node\n`,
    });
    const byVars = await loadInventoryForm(file, { env });
    expect(byVars.inventory.hosts.map((h) => h.name)).toEqual(['cp1', '10.0.0.21', '10.0.0.22']);
    const byOption = await loadInventoryForm(file, { env, roleGroups: { nodes: 'etcd' } });
    expect(byOption.inventory.hosts.map((h) => [h.name, h.roles])).toEqual([
      ['cp1', ['master', 'node']],
      ['etcd2', ['node']],
    ]);
  });

  test('ovnctl_masters_group in group_vars/all.yml counts too', async () => {
    const file = write({
      'hosts.ini': KUBESPRAY,
      'group_vars/all.yml': 'ovnctl_masters_group: kube_control_plane\novnctl_nodes_group: kube_node\n',
    });
    const loaded = await loadInventoryForm(file, { env });
    expect(loaded.inventory.hosts.map((h) => h.name)).toEqual(['cp1', '10.0.0.21', '10.0.0.22']);
  });

  test('a masters group, no nodes group and hosts outside masters: exit 5 naming both options', async () => {
    const file = write({ 'hosts.ini': '[masters]\n10.0.0.1\n[workers]\n10.0.0.2\n' });
    const err = await failure(file);
    expect(err.pos).toMatchObject({ line: 1, col: 2 });
    expect(err.message).toMatch(/there is a group masters but no group nodes/);
    expect(err.message).toMatch(/--nodes-group NAME or ovnctl_nodes_group=NAME/);
    expect(err.message).toMatch(/--masters-group or ovnctl_masters_group/);
    expect(err.message).toMatch(/groups here that look like nodes: workers/);
  });

  test('every host in masters and no nodes group: nothing is left out, so it loads', async () => {
    const file = write({ 'hosts.ini': '[masters]\n10.0.0.1\n' });
    const loaded = await loadInventoryForm(file, { env });
    expect(loaded.inventory.hosts.map((h) => h.roles)).toEqual([['master']]);
    expect(loaded.notices).toEqual([]);
  });

  test('no masters group: the hint names the options and the group that looks like one', async () => {
    const file = write({ 'hosts.ini': '[server]\n10.0.0.1\n[agent]\n10.0.0.2\n' });
    expect((await failure(file)).message).toMatch(/give --masters-group server \(and --nodes-group/);
  });

  test('naming groups for a native inventory is an error, not silently nothing', async () => {
    const file = write({ 'inv.yaml': 'hosts:\n  m1: {address: 10.0.0.1, roles: [master]}\n' });
    const err = await failure(file, { roleGroups: { masters: 'x' } });
    expect(err.message).toMatch(/--masters-group maps an Ansible inventory's groups/);
  });

  test('ovnctl_masters_group outside all, or not a name, is an error at its place', async () => {
    const file = write({ 'hosts.ini': '[masters]\n10.0.0.1 ovnctl_masters_group=x\n[nodes]\n10.0.0.2\n' });
    const err = await failure(file);
    expect(err.pos).toMatchObject({ line: 2, col: 10 });
    expect(err.message).toMatch(/names a group for the whole inventory/);
  });

  test('parseOptions checks and returns --masters-group/--nodes-group', () => {
    expect(parseOptions({ 'masters-group': 'kube_control_plane', 'nodes-group': 'kube_node' }).roleGroups).toEqual({
      masters: 'kube_control_plane',
      nodes: 'kube_node',
    });
    expect(parseOptions({}).roleGroups).toEqual({});
    expect(() => parseOptions({ 'masters-group': 'a b' })).toThrow(/--masters-group needs a group name/);
    expect(() => parseOptions({ 'masters-group': 'x', 'nodes-group': 'x' })).toThrow(/name the same group/);
    expect(() => parseOptions({ 'nodes-group': ['a', 'b'] as unknown as string })).toThrow(/given more than once/);
  });
});

describe('group_vars/ and host_vars/', () => {
  test("Ansible's order: all, group_vars/all, [group:vars], group_vars/<group>, host, host_vars", async () => {
    const file = path.join(fixtures, 'edge/precedence/hosts.ini');
    const { inventory } = await loadInventoryForm(file, { env });
    expect(inventory.hosts.map((h) => [h.name, h.ssh.user, h.ssh.port, h.become])).toEqual([
      ['10.0.14.1', 'from-group-vars-all', 2002, true],
      ['10.0.14.2', 'from-group-vars-all', 2004, true],
      ['10.0.14.3', 'from-host', 2005, true],
    ]);
  });

  test('a problem in a group_vars file is reported at its own file:line:col', async () => {
    const file = write({
      'hosts.ini': '[masters]\n10.0.0.1\n[nodes]\n10.0.0.2\n',
      'group_vars/nodes.yml': '# workers\nansible_port: seventy\n',
    });
    const err = await failure(file);
    expect(err.pos).toEqual({ file: path.join(path.dirname(file), 'group_vars/nodes.yml'), line: 2, col: 15 });
  });

  test('a directory of vars files, sorted, with YAML merge keys and YAML 1.1 booleans', async () => {
    const file = write({
      'hosts.yml':
        'all:\n  children:\n    masters:\n      hosts:\n        10.0.0.1:\n    nodes:\n      hosts: 10.0.0.2\n',
      'group_vars/all/10.yml': 'base: &base\n  x: 1\nansible_user: first\n',
      'group_vars/all/20.yml': 'ansible_user: second\nansible_become: yes\n',
      'host_vars/10.0.0.2.yml': 'common: &c {ansible_port: 2200}\nmerged:\n  <<: *c\nansible_port: 2201\n',
    });
    const { inventory } = await loadInventoryForm(file, { env });
    expect(inventory.hosts.map((h) => [h.name, h.ssh.user, h.ssh.port, h.become])).toEqual([
      ['10.0.0.1', 'second', 22, true],
      ['10.0.0.2', 'second', 2201, true],
    ]);
  });
});

describe('an inventory directory (-i DIR)', () => {
  test('every file in it, sorted and in subdirectories, .ini and .md skipped, with its own group_vars/', async () => {
    const dir = path.join(fixtures, 'edge/inventory-dir');
    const { inventory, format } = await loadInventoryForm(dir, { env });
    expect(format).toBe('ansible-ini');
    expect(inventory.hosts.map((h) => [h.name, h.roles, h.ssh.user, h.ssh.port])).toEqual([
      ['10.0.38.1', ['master'], 'dir-user', 22],
      ['10.0.38.2', ['node'], 'dir-user', 2239],
      ['10.0.38.3', ['node'], 'dir-user', 22],
      ['10.0.38.4', ['node'], 'dir-user', 22],
    ]);
  });

  test('ovnctl inventory -i DIR --convert writes one native inventory', async () => {
    const r = await ovnctl(['inventory', '-i', path.join(fixtures, 'edge/inventory-dir'), '--convert']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ {2}10\.0\.38\.4: \{address: 10\.0\.38\.4, roles: \[node\]\}$/m);
  });

  test('a problem in its second file is reported in that file', async () => {
    const dir = write({ 'a/01': '[masters]\n10.0.0.1\n[nodes]\n10.0.0.2\n', 'a/02.yml': 'all:\n  oops: 1\n' });
    const err = await failure(path.dirname(dir));
    expect(err.pos).toEqual({ file: path.join(path.dirname(dir), '02.yml'), line: 2, col: 3 });
  });
});

describe('templates', () => {
  test('a {{ }} value ovnctl needs: refused at its place, saying templates are not evaluated', async () => {
    const file = write({ 'hosts.ini': '[masters]\n10.0.0.1 ansible_user=\'{{ lookup("env", "USER") }}\'\n' });
    const err = await failure(file);
    expect(err.pos).toMatchObject({ line: 2, col: 23 });
    expect(err.message).toMatch(/hosts.ini:2:23: ansible_user: templates are not evaluated; put the value itself here/);
  });

  test('a {{ }} value ovnctl does not use is ignored, and nothing is printed (no library warning)', async () => {
    const writes = vi.spyOn(process.stderr, 'write');
    const warns = vi.spyOn(console, 'warn');
    const emits = vi.spyOn(process, 'emitWarning');
    try {
      const ini = write({
        'hosts.ini': '[all:vars]\ntoken={{ lookup("env", "T") }}\nlist=[{{ a }}]\n[masters]\n10.0.0.1\n',
      });
      const yml = write({
        'hosts.yml':
          'all:\n  vars:\n    token: "{{ t }}"\n    map: {a: "{{ b }}"}\n' +
          '  children:\n    masters:\n      hosts: 10.0.0.1\n',
      });
      await loadInventoryForm(ini, { env });
      await loadInventoryForm(yml, { env });
      expect([writes.mock.calls, warns.mock.calls, emits.mock.calls]).toEqual([[], [], []]);
    } finally {
      writes.mockRestore();
      warns.mockRestore();
      emits.mockRestore();
    }
  });

  test('an unquoted {{ }} in YAML (Ansible refuses it too) says to quote it, silently otherwise', async () => {
    const warns = vi.spyOn(console, 'warn');
    try {
      const file = write({
        'hosts.yml': 'all:\n  vars:\n    token: {{ t }}\n  children:\n    masters:\n      hosts: 10.0.0.1\n',
      });
      const err = await failure(file);
      expect(err.pos).toMatchObject({ line: 3, col: 13 });
      expect(err.message).toMatch(/template must be quoted in YAML.*templates are not evaluated/);
      expect(warns).not.toHaveBeenCalled();
    } finally {
      warns.mockRestore();
    }
  });
});

describe('host patterns as Ansible reads them', () => {
  test.each([
    ['[2001:db8::11]:2222', { names: ['2001:db8::11'], port: 2222 }],
    ['2001:db8::10', { names: ['2001:db8::10'] }],
    ['10.0.0.1:2200', { names: ['10.0.0.1'], port: 2200 }],
    ['node[1:2]:2200', { names: ['node1', 'node2'], port: 2200 }],
    ['[node1]:22', { names: ['node1'], port: 22 }],
  ])('%s', (pattern, want) => {
    expect(parseHostPattern(pattern)).toEqual(want);
  });

  test('ranges: [:2] starts at 0, [A:C] and [x:B] count through ascii_letters, padding keeps its width', () => {
    expect(expandHostPattern('n[:2]')).toEqual(['n0', 'n1', 'n2']);
    expect(expandHostPattern('r[A:C]')).toEqual(['rA', 'rB', 'rC']);
    expect(expandHostPattern('r[y:B]')).toEqual(['ry', 'rz', 'rA', 'rB']);
    expect(expandHostPattern('n[08:10]')).toEqual(['n08', 'n09', 'n10']);
    expect(() => expandHostPattern('n[08:9]')).toThrow(/same width/);
    expect(() => expandHostPattern('n[1:]')).toThrow(/has no end/);
  });
});

describe('through the CLI', () => {
  test('ovnctl inventory --masters-group/--nodes-group: the left-out hosts on one stderr line', async () => {
    const file = write({ 'hosts.ini': KUBESPRAY });
    const r = await ovnctl([
      'inventory',
      '-i',
      file,
      '--masters-group',
      'kube_control_plane',
      '--nodes-group',
      'kube_node',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'ovnctl: left out: etcd2, bastion (2 hosts in groups etcd, bastion: in neither kube_control_plane nor ' +
        'kube_node; map other groups with --masters-group/--nodes-group)\n',
    );
    expect(r.stdout).toMatch(/cp1:/);
  });

  test('a masters group without a nodes group: exit 5, nothing on stdout', async () => {
    const file = write({ 'hosts.ini': '[masters]\n10.0.0.1\n[workers]\n10.0.0.2\n' });
    const r = await ovnctl(['inventory', '-i', file]);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/hosts.ini:1:2: there is a group masters but no group nodes/);
  });
});
