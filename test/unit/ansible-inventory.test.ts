// Ansible INI and YAML inventories load into the same model as the native inventory they describe.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expandHostPattern } from '../../src/inventory/ansible-model.js';
import { OVNCTL_VARS } from '../../src/inventory/ansible-vars.js';
import { detectFormat } from '../../src/inventory/format.js';
import { loadInventory } from '../../src/inventory/load.js';
import type { Inventory } from '../../src/inventory/types.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const env = { HOME: '/home/tester', OVNCTL_K8S_TOKEN: 'spec-token-value' };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-ansible-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(text: string, name = 'hosts.ini'): Promise<Inventory> {
  const sub = mkdtempSync(path.join(dir, 'case-'));
  const file = path.join(sub, name);
  writeFileSync(file, text);
  return loadInventory(file, { env });
}

/** The model without the file name and with the token revealed, for comparing two loads. */
function comparable(inv: Inventory) {
  const { file: _file, cluster, tls, ...rest } = inv;
  // tls.caDir defaults to pki/ beside each file: the files being in different directories, it differs.
  const { caDir: _caDir, ...tlsRest } = tls;
  return { ...rest, tls: tlsRest, cluster: { ...cluster, k8sToken: cluster.k8sToken?.reveal() } };
}

const host = (inv: Inventory, name: string) => inv.hosts.find((h) => h.name === name)!;

describe('the SPEC example as Ansible inventories', () => {
  test.each(['hosts.ini', 'hosts.yml'])('%s loads to the same model as valid-spec.yaml', async (name) => {
    const native = await loadInventory(path.join(fixtures, 'inventories/valid-spec.yaml'), { env });
    const ansible = await loadInventory(path.join(fixtures, 'ansible', name), { env });
    expect(comparable(ansible)).toEqual(comparable(native));
    expect(host(ansible, 'n1').ssh.port).toBe(2222);
    expect(host(ansible, 'n2').encapIp).toBe('192.168.50.12');
  });
});

describe('groups and roles', () => {
  test('kubespray groups become roles through :children; hosts in neither role group are left out', async () => {
    const inv = await loadInventory(path.join(fixtures, 'ansible/kubespray.ini'), { env });
    expect(inv.hosts.map((h) => [h.name, h.address, h.roles])).toEqual([
      ['cp1', '10.0.0.10', ['master', 'node']],
      ['10.0.0.21', '10.0.0.21', ['node']],
      ['10.0.0.22', '10.0.0.22', ['node']],
    ]);
    expect(inv.groups).toEqual({
      all: ['cp1', '10.0.0.21', '10.0.0.22'],
      masters: ['cp1'],
      nodes: ['cp1', '10.0.0.21', '10.0.0.22'],
      kube_control_plane: ['cp1'],
      kube_node: ['cp1', '10.0.0.21', '10.0.0.22'],
      etcd: ['cp1'],
      k8s_cluster: ['cp1', '10.0.0.21', '10.0.0.22'],
    });
  });

  test('connection vars: group vars apply to members of child groups; shared values become the defaults', async () => {
    const inv = await loadInventory(path.join(fixtures, 'ansible/kubespray.ini'), { env });
    for (const h of inv.hosts) {
      expect(h.ssh.user).toBe('ubuntu');
      expect(h.become).toBe(true);
      expect(h.ssh.hostKeyChecking).toBe('off');
    }
  });

  test('ovnctl_* settings in [all:vars] take the native values, yes/no as booleans', async () => {
    const inv = await loadInventory(path.join(fixtures, 'ansible/kubespray.ini'), { env });
    expect(inv.packages).toMatchObject({ source: { kind: 'distro' }, datapath: 'kernel', ovsPython: 'apt' });
    expect([inv.cluster.nbPort, inv.cluster.sbPort]).toEqual([6631, 6632]);
    expect(inv.ovnkube.enabled).toBe(false);
    expect(inv.cluster.k8sApiserver).toBe('http://10.0.0.10:8080');
  });

  test(
    "precedence is Ansible's: all, then parent groups, child groups, " + 'same depth by name, then the host',
    async () => {
      const inv = await load(`
[masters]
m1 ansible_host=10.0.0.10
[nodes]
n1 ansible_host=10.0.0.11
n2 ansible_host=10.0.0.12 ansible_user=hostuser
[workers:children]
nodes
[workers:vars]
ansible_user=workeruser
ansible_port=2200
[nodes:vars]
ansible_user=nodeuser
[zone_b]
n1
[zone_a]
n1
[zone_a:vars]
ansible_port=2201
[zone_b:vars]
ansible_port=2202
[all:vars]
ansible_user=alluser
`);
      expect(inv.hosts.map((h) => [h.name, h.ssh.user, h.ssh.port])).toEqual([
        ['m1', 'alluser', 22],
        ['n1', 'nodeuser', 2202],
        ['n2', 'hostuser', 2200],
      ]);
    },
  );

  test('a host in masters and nodes has both roles; host:port sets the port; a later line adds vars', async () => {
    const inv = await load(`
[masters]
aio:2222 ansible_host=10.0.0.5
[nodes]
aio ovnctl_encap_ip=192.168.9.5
`);
    expect(inv.hosts).toHaveLength(1);
    expect(host(inv, 'aio')).toMatchObject({ address: '10.0.0.5', roles: ['master', 'node'], encapIp: '192.168.9.5' });
    expect(host(inv, 'aio').ssh.port).toBe(2222);
  });

  test('an Ansible YAML file with groups at the top (no all:) and a custom package source', async () => {
    const inv = await load(
      `
masters:
  hosts:
    m1: {ansible_host: 10.0.0.10, ansible_become: yes, ansible_become_user: root}
nodes:
  hosts:
    n1: {ansible_host: 10.0.0.11, ansible_port: "2201"}
  vars:
    ansible_user: admin
`,
      'inventory.yaml',
    );
    expect(host(inv, 'm1')).toMatchObject({ roles: ['master'], become: true });
    expect(host(inv, 'm1').ssh.user).toBe('root');
    expect(host(inv, 'n1')).toMatchObject({ roles: ['node'], become: false });
    expect(host(inv, 'n1').ssh).toMatchObject({ user: 'admin', port: 2201 });
  });

  test('structured settings: YAML flow in INI, mappings in YAML', async () => {
    const hosts = '[masters]\nm1 ansible_host=10.0.0.10\n';
    const ini = await load(
      `${hosts}[all:vars]\n` +
        'ovnctl_packages_source={url: https://mirror.example/ovs, ' +
        'key: https://mirror.example/key.gpg, suite: bookworm}\n',
    );
    expect(ini.packages.source).toEqual({
      kind: 'custom',
      url: 'https://mirror.example/ovs',
      key: 'https://mirror.example/key.gpg',
      suite: 'bookworm',
      components: ['main'],
    });
    const yaml = await load(
      'all:\n  vars:\n    ovnctl_packages_source:\n      url: https://mirror.example/ovs\n' +
        '      key: https://mirror.example/key.gpg\n' +
        '  children:\n    masters:\n      hosts:\n        m1: {ansible_host: 10.0.0.10}\n',
      'hosts.yaml',
    );
    expect(yaml.packages.source).toEqual({
      kind: 'custom',
      url: 'https://mirror.example/ovs',
      key: 'https://mirror.example/key.gpg',
      components: ['main'],
    });
  });
});

describe('format detection', () => {
  test.each([
    ['hosts', '[masters]\nm1\n', 'ansible-ini'],
    ['inventory', 'm1 ansible_host=10.0.0.1\n[masters]\nm1\n', 'ansible-ini'],
    ['x.ini', 'hosts: {}\n', 'ansible-ini'],
    ['x.yaml', 'all:\n  children: {}\n', 'ansible-yaml'],
    ['x.yml', 'masters:\n  hosts:\n    m1:\n', 'ansible-yaml'],
    ['x.yaml', 'hosts:\n  m1: {address: 10.0.0.1, roles: [master]}\n', 'native'],
    ['x.yaml', 'ssh: {user: root}\n', 'native'],
    ['x.yaml', 'hosts: [\n', 'native'],
  ])('%s %j → %s', (file, text, format) => {
    expect(detectFormat(file, text)).toBe(format);
  });
});

test('host ranges expand as in Ansible', () => {
  expect(expandHostPattern('n[01:10:3]')).toEqual(['n01', 'n04', 'n07', 'n10']);
  expect(expandHostPattern('rack-[a:c].lab')).toEqual(['rack-a.lab', 'rack-b.lab', 'rack-c.lab']);
  expect(expandHostPattern('r[1:2]n[1:2]')).toEqual(['r1n1', 'r1n2', 'r2n1', 'r2n2']);
  expect(() => expandHostPattern('n[3:1]')).toThrow(/end is before the start/);
  expect(() => expandHostPattern('n[1:99999999]')).toThrow(/more than/);
});

test('every native setting has an ovnctl_ variable, named <section>_<key> in snake case', () => {
  const names = [...OVNCTL_VARS.keys()];
  expect(names).toEqual(
    expect.arrayContaining([
      'ovnctl_cluster_k8s_apiserver',
      'ovnctl_cluster_service_cluster_ip_range',
      'ovnctl_cluster_nb_port',
      'ovnctl_packages_source',
      'ovnctl_ovs_datapath_type',
      'ovnctl_ovnkube_init_gateways',
      'ovnctl_gre_mesh_host_subnets',
      'ovnctl_ssh_known_hosts',
      'ovnctl_ssh_host_key_checking',
      'ovnctl_encap_ip',
    ]),
  );
  // user, port and the key file have Ansible's own names
  expect(names).not.toContain('ovnctl_ssh_user');
  expect(names).not.toContain('ovnctl_ssh_private_key');
});
