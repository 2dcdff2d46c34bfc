// ovnctl reads an Ansible inventory as `ansible-inventory` (Debian's ansible-core) reads it: for every
// fixture under test/fixtures/ansible/corpus/ (real inventories of public projects) and edge/ (the forms
// Ansible accepts), both read it and each host's address, port, user, key, become and roles must agree;
// `--convert`'s output must load back to the same hosts. A disagreement fails unless the fixture is in
// REFUSALS below, with the reason ovnctl refuses it (and then ovnctl must refuse it with that reason).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { groupMembers } from '../../src/inventory/ansible-model.js';
import { hostVars, type RoleGroups } from '../../src/inventory/ansible-map.js';
import { toNativeYaml } from '../../src/inventory/convert.js';
import { readAnsibleDirectory, readAnsibleInventory } from '../../src/inventory/format.js';
import { isDirectory, readInventoryDir } from '../../src/inventory/inventory-dir.js';
import { loadInventory, loadInventoryForm } from '../../src/inventory/load.js';
import type { Inventory } from '../../src/inventory/types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/ansible');
const ANSIBLE_INVENTORY = '/usr/bin/ansible-inventory';
const HOME = '/home/tester';

/** Fixtures whose groups have other names than masters/nodes: the --masters-group/--nodes-group given. */
const ROLE_GROUPS: Record<string, RoleGroups> = {
  'corpus/ansible-docs-intro-inventory-35.ini': { masters: 'webservers', nodes: 'dbservers' },
  'corpus/ansible-docs-intro-inventory-54.yml': { masters: 'webservers', nodes: 'dbservers' },
  'corpus/ansible-docs-intro-inventory-91.yml': { masters: 'east', nodes: 'west' },
  'corpus/ansible-docs-intro-inventory-140.yml': { masters: 'east', nodes: 'west' },
  'corpus/ansible-docs-intro-inventory-183.ini': { masters: 'webservers', nodes: 'all' },
  'corpus/ansible-docs-intro-inventory-201.ini': { masters: 'webservers', nodes: 'all' },
  'corpus/ansible-docs-intro-inventory-219.ini': { masters: 'databases', nodes: 'all' },
  'corpus/ansible-docs-intro-inventory-302.ini': { masters: 'atlanta', nodes: 'all' },
  'corpus/ansible-docs-intro-inventory-310.yml': { masters: 'atlanta', nodes: 'all' },
  'corpus/ansible-docs-intro-inventory-323.ini': { masters: 'ungrouped', nodes: 'all' },
  'corpus/ansible-docs-intro-inventory-329.ini': { masters: 'targets', nodes: 'all' },
  'corpus/ansible-docs-intro-inventory-348.ini': { masters: 'ungrouped', nodes: 'all' },
  'corpus/ansible-docs-intro-inventory-388.ini': { masters: 'atlanta', nodes: 'all' },
  'corpus/ansible-docs-intro-inventory-400.yml': { masters: 'atlanta', nodes: 'all' },
  'corpus/ansible-docs-intro-inventory-421.ini': { masters: 'atlanta', nodes: 'southeast' },
  'corpus/ansible-docs-intro-inventory-449.yml': { masters: 'atlanta', nodes: 'southeast' },
  'corpus/ansible-docs-intro-inventory-534.yml': { masters: 'a_group', nodes: 'b_group' },
  'corpus/ansible-docs-intro-inventory-672.ini': { masters: 'ungrouped', nodes: 'all' },
  'corpus/ansible-docs-intro-inventory-707.ini': { masters: 'dbservers', nodes: 'appservers' },
  'corpus/ansible-docs-intro-inventory-722.ini': { masters: 'dbservers', nodes: 'appservers' },
  'corpus/ansible-docs-intro-inventory-770.ini': { masters: 'dc1', nodes: 'dc2' },
  'corpus/incus-deploy.yml': { masters: 'baremetal', nodes: 'baremetal' },
  'corpus/incus-deploy-centos.yml': { masters: 'baremetal', nodes: 'baremetal' },
  'corpus/k3s-ansible-hosts.ini': { masters: 'master', nodes: 'node' },
  'corpus/k3s-ansible-raspberrypi': { masters: 'master', nodes: 'node' },
  'corpus/k3s-ansible-inventory.yml': { masters: 'server', nodes: 'agent' },
  'corpus/k3s-ansible-sample.yml': { masters: 'server', nodes: 'agent' },
  'corpus/kolla-all-in-one.ini': { masters: 'control', nodes: 'compute' },
  'corpus/kolla-multinode.ini': { masters: 'control', nodes: 'compute' },
  'corpus/kubespray-docs-inventory.ini': { masters: 'kube_control_plane', nodes: 'kube_node' },
  'corpus/kubespray-image-builder.ini': { masters: 'image-builder', nodes: 'all' },
  'corpus/kubespray-local.ini': { masters: 'kube_control_plane', nodes: 'kube_node' },
  'corpus/kubespray-sample.ini': { masters: 'kube_control_plane', nodes: 'kube_node' },
  'corpus/kubespray-sample-group-vars': { masters: 'kube_control_plane', nodes: 'kube_node' },
  'corpus/networking-ovn-migration.ini': { masters: 'controller', nodes: 'compute' },
  'corpus/openshift-ansible-40-basic.ini': { masters: 'masters', nodes: 'workers' },
  'corpus/ovn-kubernetes-contrib': { masters: 'kube-master', nodes: 'kube-minions-linux' },
  'edge/ini-no-sections': { masters: 'ungrouped', nodes: 'all' },
};

/** Fixtures that name their role groups themselves (ovnctl_masters_group/ovnctl_nodes_group): for the expectation. */
const VAR_ROLE_GROUPS: Record<string, RoleGroups> = {
  'edge/role-groups-in-group-vars': { masters: 'kube_control_plane', nodes: 'kube_node' },
  'edge/role-groups-in-vars.ini': { masters: 'server', nodes: 'agent' },
};

const NAMES = {
  reason:
    "a master named by DNS without an IP ansible_host: a master's OVN databases are reached at an IP address " +
    '(RAFT keeps it, every node is given it); a node may be named by DNS',
  message: /is a master, and its address \S+ is a DNS name/,
};
const NO_HOSTS = { reason: 'no host in the masters group: nothing to install', message: /no host is in group/ };
const NOT_SSH = { reason: 'ovnctl reaches hosts over SSH only', message: /reaches every host over SSH/ };

/** Fixtures ovnctl refuses on purpose, each with the reason (a pattern of its error message). */
const REFUSALS: Record<string, { reason: string; message: RegExp; reading?: boolean }> = {
  ...Object.fromEntries(
    [35, 54, 91, 140, 183, 201, 219, 302, 310, 323, 388, 400, 449, 707, 722, 770].map((n) => [
      `corpus/ansible-docs-intro-inventory-${n}.${[54, 91, 140, 310, 400, 449].includes(n) ? 'yml' : 'ini'}`,
      NAMES,
    ]),
  ),
  'corpus/ansible-docs-intro-inventory-329.ini': NOT_SSH,
  'corpus/ansible-docs-intro-inventory-534.yml': NO_HOSTS,
  'corpus/ansible-docs-intro-inventory-672.ini': {
    reason: 'some_host, aws_host, ...: a host name is its Kubernetes node name, which has no "_"',
    message: /'some_host' is not a valid name: must be a Kubernetes node name/,
  },
  'corpus/incus-deploy.yml': NOT_SSH,
  'corpus/incus-deploy-centos.yml': NOT_SSH,
  'corpus/kolla-all-in-one.ini': NOT_SSH,
  'corpus/kolla-multinode.ini': NAMES,
  'corpus/kubespray-image-builder.ini': {
    reason: 'ansible_ssh_host=xxx.xxx.xxx.xxx is a placeholder, read as a DNS name: a master needs an IP address',
    message: /is a master, and its address xxx\.xxx\.xxx\.xxx is a DNS name/,
  },
  'corpus/kubespray-local.ini': NOT_SSH,
  'corpus/networking-ovn-migration.ini': NAMES,
  'corpus/openshift-ansible-40-basic.ini': NAMES,
  'corpus/openshift-ansible-byo-giffgaff.ini': NAMES,
  'corpus/openshift-ansible-byo-openstack.ini': NAMES,
  'corpus/openshift-ansible-hosts.ini': NAMES,
  'corpus/ovn-kubernetes-contrib': NAMES,
  'corpus/ovn-kubernetes-dist-ansible.ini': NO_HOSTS,
  'edge/password.ini': { reason: 'passwords: ovnctl takes an SSH key only', message: /takes no passwords/ },
  'edge/vault-value.yml': {
    reason: 'an ansible-vault value ovnctl needs cannot be decrypted',
    message: /encrypted with ansible-vault/,
  },
  'edge/connection-local.ini': NOT_SSH,
  'edge/template-needed.ini': {
    reason: 'a {{ }} template in a value ovnctl uses is not evaluated',
    message: /templates are not evaluated; put the value itself here/,
  },
  'edge/template-needed-group-vars': {
    reason: 'a {{ }} template in group_vars, in a value ovnctl uses',
    message: /templates are not evaluated/,
  },
  'edge/dns-name.ini': NAMES,
  'edge/ipv6-named.ini': {
    reason: 'an IPv6 address as a host name cannot be a Kubernetes node name',
    message: /named by an IPv6 address, which cannot be a Kubernetes node name/,
  },
  'edge/ipv6.yml': {
    reason: 'an IPv6 address as a host name cannot be a Kubernetes node name',
    message: /named by an IPv6 address, which cannot be a Kubernetes node name/,
  },
  'edge/ipv6-address.ini': {
    reason: 'ansible_host=[2001:db8::43] keeps its brackets (as in Ansible): not an address',
    message: /w2.address: must be an IPv4 or IPv6 address/,
  },
  'edge/comments.ini': {
    reason: 'to Ansible, `ansible_user=ops # comment` is the whole text, which is not a user name',
    message: /ssh.user: must be a user name/,
  },
  'edge/range-upper.ini': {
    reason: 'upper-case host names are not Kubernetes node names',
    message: /is not a valid name: must be a Kubernetes node name/,
  },
};

interface Expected {
  address: string;
  port: number | null;
  user: string | null;
  key: string | null;
  become: boolean;
  roles: string[];
}

let work: string;
let haveAnsible = false;
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-differential-'));
  haveAnsible = ensureAnsible();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Debian's ansible-core, installed as the lab installs its tools: as root with apt-get; under CI, a must. */
function ensureAnsible(): boolean {
  if (existsSync(ANSIBLE_INVENTORY)) return true;
  if (process.getuid?.() === 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['-q', 'update'], { env, stdio: 'ignore' });
    execFileSync('apt-get', ['-q', '-y', '--no-install-recommends', 'install', 'ansible-core'], {
      env,
      stdio: 'ignore',
    });
    return existsSync(ANSIBLE_INVENTORY);
  }
  if (process.env.CI === 'true') throw new Error('ansible-inventory is missing: apt-get install ansible-core');
  return false;
}

function fixtures(): string[] {
  const out: string[] = [];
  for (const dir of ['corpus', 'edge']) {
    for (const name of readdirSync(path.join(root, dir)).sort()) out.push(`${dir}/${name}`);
  }
  return out;
}

/** The inventory file of a fixture: the file itself, or a directory's hosts file (group_vars/ beside it). */
function inventoryFile(fixture: string): string {
  const p = path.join(root, fixture);
  const inside = ['hosts', 'hosts.ini', 'hosts.yml'].map((n) => path.join(p, n)).find((f) => existsSync(f));
  return inside ?? p;
}

/** What ansible-inventory says, run in an empty directory so no group_vars/ of the current one applies. */
type Listed = { ok: true; json: AnsibleList } | { ok: false; error: string };
const listed = new Map<string, Listed>();

/** ansible-inventory takes half a second: each fixture's answer once for both tests that ask. */
function ansibleList(file: string): Listed {
  const known = listed.get(file);
  if (known) return known;
  const answer = runAnsibleInventory(file);
  listed.set(file, answer);
  return answer;
}

function runAnsibleInventory(file: string): Listed {
  const res = spawnSync(ANSIBLE_INVENTORY, ['-i', file, '--list'], {
    cwd: work,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: work,
      ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true',
      ANSIBLE_INVENTORY_ENABLED: 'ini,yaml',
      ANSIBLE_LOCAL_TEMP: path.join(work, 'tmp'),
    },
  });
  if (res.status !== 0) return { ok: false, error: res.stderr };
  return { ok: true, json: JSON.parse(res.stdout) as AnsibleList };
}

type AnsibleList = { _meta: { hostvars: Record<string, Record<string, unknown>> } } & Record<string, unknown>;
type AnsibleGroup = { hosts?: string[]; children?: string[] };

function groupOf(list: AnsibleList, name: string): AnsibleGroup | undefined {
  return name === '_meta' ? undefined : (list[name] as AnsibleGroup | undefined);
}

/** Hosts of `group` and its descendants in ansible-inventory's output. */
function members(list: AnsibleList, group: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  const body = groupOf(list, group);
  if (seen.has(group) || !body) return out;
  seen.add(group);
  for (const h of body.hosts ?? []) out.add(h);
  for (const c of body.children ?? []) for (const h of members(list, c, seen)) out.add(h);
  return out;
}

/** ansible-inventory shows a vault value as {__ansible_vault: ciphertext}; ovnctl keeps the ciphertext. */
function unvault(vars: Record<string, unknown>): Record<string, unknown> {
  const open = (v: unknown): unknown =>
    v && typeof v === 'object' && '__ansible_vault' in v ? (v as { __ansible_vault: unknown }).__ansible_vault : v;
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, open(v)]));
}

function first(vars: Record<string, unknown>, ...names: string[]): unknown {
  for (const n of names) if (vars[n] !== undefined && vars[n] !== null) return vars[n];
  return undefined;
}

function truthy(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  return ['yes', 'on', '1', 'true', 't', 'y'].includes(String(v).trim().toLowerCase());
}

/** Ansible's view of each host ovnctl takes (in the masters or the nodes group), in ovnctl's terms. */
function expected(list: AnsibleList, groups: Required<RoleGroups>, dir: string): Map<string, Expected> {
  const masters = members(list, groups.masters);
  const nodes = members(list, groups.nodes);
  const out = new Map<string, Expected>();
  for (const [name, vars] of Object.entries(list._meta.hostvars)) {
    const roles = [...(masters.has(name) ? ['master'] : []), ...(nodes.has(name) ? ['node'] : [])];
    if (roles.length === 0) continue;
    const port = first(vars, 'ansible_port', 'ansible_ssh_port');
    const user = first(vars, 'ansible_user', 'ansible_ssh_user');
    const key = first(vars, 'ansible_ssh_private_key_file', 'ansible_private_key_file');
    out.set(name, {
      address: String(first(vars, 'ansible_host', 'ansible_ssh_host') ?? name),
      port: port === undefined ? null : Number(port),
      user: user === undefined ? null : String(user),
      key: key === undefined ? null : localPath(String(key), dir),
      become: truthy(vars.ansible_become ?? false),
      roles,
    });
  }
  for (const h of masters)
    if (!list._meta.hostvars[h]) out.set(h, plain(h, nodes.has(h) ? ['master', 'node'] : ['master']));
  for (const h of nodes) if (!out.has(h) && !list._meta.hostvars[h]) out.set(h, plain(h, ['node']));
  return out;
}

function plain(name: string, roles: string[]): Expected {
  return { address: name, port: null, user: null, key: null, become: false, roles };
}

function localPath(p: string, dir: string): string {
  if (p.startsWith('~/')) return path.join(HOME, p.slice(2));
  return path.resolve(dir, p);
}

/** ovnctl's view in the same terms; where the inventory sets no port or user, ovnctl's defaults (22, root). */
function actual(inv: Inventory, want: Map<string, Expected>): Map<string, Expected> {
  const out = new Map<string, Expected>();
  for (const h of inv.hosts) {
    const w = want.get(h.name);
    out.set(h.name, {
      address: h.address,
      port: w?.port === null && h.ssh.port === 22 ? null : h.ssh.port,
      user: w?.user === null && h.ssh.user === 'root' ? null : h.ssh.user,
      key: h.ssh.privateKey ?? null,
      become: h.become,
      roles: [...h.roles].sort(),
    });
  }
  return out;
}

function sortedRoles(m: Map<string, Expected>): Record<string, Expected> {
  return Object.fromEntries([...m].map(([k, v]) => [k, { ...v, roles: [...v.roles].sort() }]));
}

describe.each(fixtures())('%s', (fixture) => {
  const file = () => inventoryFile(fixture);
  const roleGroups = ROLE_GROUPS[fixture] ?? {};
  const refusal = REFUSALS[fixture];

  // Before any mapping onto ovnctl's form: the same hosts, in the same groups, with the same vars (all of
  // them, after group_vars/, host_vars/ and precedence). This holds for the fixtures ovnctl then refuses too.
  test('the same hosts, groups and vars as ansible-inventory', async (ctx) => {
    if (!haveAnsible) ctx.skip();
    const ansible = ansibleList(file());
    let read: Pick<ReturnType<typeof readAnsibleInventory>, 'inv'> | undefined;
    let error: InputError | undefined;
    try {
      read = isDirectory(file())
        ? readAnsibleDirectory(file(), await readInventoryDir(file()))
        : readAnsibleInventory(file(), readFileSync(file(), 'utf8'));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      error = e;
    }
    if (!ansible.ok) {
      expect(
        error,
        `ansible-inventory fails (${ansible.error.trim().split('\n').at(-1)}); ovnctl reads it`,
      ).toBeDefined();
      return;
    }
    if (error && refusal?.reading) {
      expect(error.message).toMatch(refusal.message);
      return;
    }
    expect(error?.message, 'ovnctl cannot read an inventory ansible-inventory reads').toBeUndefined();
    const { inv } = read!;
    const ourMembers = groupMembers(inv, (detail) => {
      throw new Error(detail);
    });
    const ours: Record<string, { groups: string[]; vars: Record<string, unknown> }> = {};
    for (const host of inv.hosts.keys()) {
      const groups = [...ourMembers].filter(([g, hs]) => hs.has(host) && g !== 'all').map(([g]) => g);
      const vars = Object.fromEntries([...hostVars(inv, host, groups)].map(([k, v]) => [k, v.value]));
      ours[host] = { groups: groups.sort(), vars: JSON.parse(JSON.stringify(vars)) };
    }
    const list = ansible.json;
    const theirs: Record<string, { groups: string[]; vars: Record<string, unknown> }> = {};
    const hosts = new Set(Object.keys(list._meta.hostvars));
    for (const g of Object.keys(list)) if (g !== '_meta') for (const h of groupOf(list, g)?.hosts ?? []) hosts.add(h);
    for (const host of hosts) {
      const groups = Object.keys(list).filter((g) => g !== '_meta' && g !== 'all' && members(list, g).has(host));
      theirs[host] = { groups: groups.sort(), vars: unvault(list._meta.hostvars[host] ?? {}) };
    }
    expect(ours).toEqual(theirs);
  });

  test('ovnctl reads it as ansible-inventory does (or refuses it, documented)', async (ctx) => {
    if (!haveAnsible) ctx.skip();
    const ansible = ansibleList(file());
    let loaded: Awaited<ReturnType<typeof loadInventoryForm>> | undefined;
    let error: InputError | undefined;
    try {
      loaded = await loadInventoryForm(file(), { env: { HOME }, roleGroups });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      error = e;
    }
    if (!ansible.ok) {
      // Ansible refuses it too: ovnctl must not read what Ansible cannot.
      expect(error, `ansible-inventory fails (${ansible.error.split('\n')[0]}) but ovnctl reads it`).toBeDefined();
      return;
    }
    if (refusal) {
      expect(error?.message, `${fixture} is a documented refusal (${refusal.reason})`).toMatch(refusal.message);
      expect(error?.pos?.line).toBeGreaterThan(0);
      return;
    }
    expect(error?.message, 'ovnctl refuses an inventory ansible-inventory reads').toBeUndefined();
    const named = { ...VAR_ROLE_GROUPS[fixture], ...roleGroups };
    const groups = { masters: named.masters ?? 'masters', nodes: named.nodes ?? 'nodes' };
    const want = expected(ansible.json, groups, path.dirname(path.resolve(file())));
    expect(sortedRoles(actual(loaded!.inventory, want))).toEqual(sortedRoles(want));
  });

  test("--convert's output loads back to the same hosts", async () => {
    if (refusal) return;
    let loaded: Awaited<ReturnType<typeof loadInventoryForm>>;
    try {
      loaded = await loadInventoryForm(file(), { env: { HOME }, roleGroups });
    } catch (e) {
      if (e instanceof InputError) return; // refused: nothing to convert (the test above judges the refusal)
      throw e;
    }
    const out = path.join(work, `${fixture.replaceAll('/', '_')}.yaml`);
    writeFileSync(out, toNativeYaml(loaded.native, { from: file(), format: loaded.format, toDir: work }));
    const again = await loadInventory(out, { env: { HOME } });
    const view = (inv: Inventory) =>
      inv.hosts.map(({ name, address, ssh, become, roles, encapIp }) => ({
        name,
        address,
        ssh,
        become,
        roles,
        encapIp,
      }));
    expect(view(again)).toEqual(view(loaded.inventory));
    expect(again.groups).toEqual(loaded.inventory.groups);
  });
});
