// A valid inventory → the typed model: defaults, per-host merges, paths, groups, order.
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadInventory } from '../../src/inventory/load.js';
import type { SshSettings } from '../../src/inventory/types.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/inventories');
const home = '/home/tester';
const env = { HOME: home, OVNCTL_K8S_TOKEN: 'spec-token-value' };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-inv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` as an inventory in a fresh directory and loads it. */
async function load(text: string, files: Record<string, string> = {}) {
  const sub = mkdtempSync(path.join(dir, 'case-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(sub, name)), { recursive: true });
    writeFileSync(path.join(sub, name), content);
  }
  const file = path.join(sub, 'inventory.yaml');
  writeFileSync(file, text);
  return { inv: await loadInventory(file, { env }), sub };
}

const sshDefaults: SshSettings = {
  user: 'root',
  port: 22,
  knownHosts: `${home}/.ssh/known_hosts`,
  hostKeyChecking: 'strict',
  connectTimeoutMs: 10_000,
  commandTimeoutMs: 0,
  keepaliveTimeoutMs: 30_000,
};

describe('the SPEC example (valid-spec.yaml)', () => {
  test('parses into the typed model', async () => {
    const file = path.join(fixtures, 'valid-spec.yaml');
    const inv = await loadInventory(file, { env });
    const ssh = { ...sshDefaults, privateKey: `${home}/.ssh/id_ed25519` };
    expect(inv.cluster.k8sToken?.reveal()).toBe('spec-token-value');
    expect(inv.secrets.mask('token spec-token-value')).toBe('token ********');
    expect({ ...inv, cluster: { ...inv.cluster, k8sToken: undefined }, secrets: undefined }).toEqual({
      file,
      hosts: [
        {
          name: 'm1',
          address: '10.0.0.10',
          roles: ['master'],
          encapIp: '10.0.0.10',
          ssh,
          become: false,
          groups: ['all', 'masters'],
        },
        {
          name: 'n1',
          address: '10.0.0.11',
          roles: ['node'],
          encapIp: '10.0.0.11',
          ssh: { ...ssh, port: 2222 },
          become: false,
          groups: ['all', 'nodes', 'rack1'],
        },
        {
          name: 'n2',
          address: '10.0.0.12',
          roles: ['node'],
          encapIp: '192.168.50.12',
          ssh,
          become: false,
          groups: ['all', 'nodes', 'rack1'],
        },
      ],
      groups: { all: ['m1', 'n1', 'n2'], masters: ['m1'], nodes: ['n1', 'n2'], rack1: ['n1', 'n2'] },
      cluster: {
        clusterSubnet: '11.11.0.0/16',
        serviceClusterIpRange: '10.96.0.0/12',
        k8sApiserver: 'http://10.0.0.10:8080',
        k8sKubeconfig: '/etc/kubernetes/kubeconfig.yaml',
        k8sToken: undefined,
        nbPort: 6641,
        sbPort: 6642,
        encapType: 'geneve',
        bootstrapMaster: 'm1',
        nbRaftPort: 6643,
        sbRaftPort: 6644,
        sbNorthdPort: 16642,
        electionTimerMs: 1000,
      },
      packages: { source: { kind: 'wand' }, datapath: 'dkms', ovsPython: 'pip', lockTimeout: 600 },
      ovs: { datapathType: 'system' },
      ovnkube: {
        enabled: true,
        binary: '/usr/bin/ovnkube',
        upload: path.join(fixtures, 'bin/ovnkube'),
        loglevel: 4,
        logfile: '/var/log/openvswitch/ovnkube.log',
        nodeport: true,
        initGateways: true,
        master: 'm1',
      },
      extra: {
        greMesh: {
          bridge: 'br0',
          podNetwork: '172.17.0.0/16',
          linuxBridge: 'docker0',
          tunnelType: 'gre',
          underlayBridge: false,
        },
      },
      tls: { enabled: false, caDir: path.join(fixtures, 'pki'), renewDays: 30 },
    });
  });

  test('minimal.yaml takes every SPEC default', async () => {
    const inv = await loadInventory(path.join(fixtures, 'minimal.yaml'), { env });
    expect(inv.hosts.map((h) => h.ssh)).toEqual([sshDefaults, sshDefaults]);
    expect(inv.hosts[0].ssh.privateKey).toBeUndefined(); // → ssh-agent
    expect(inv.cluster).toEqual({
      clusterSubnet: '11.11.0.0/16',
      serviceClusterIpRange: '10.96.0.0/12',
      k8sApiserver: 'http://10.0.0.10:8080',
      k8sKubeconfig: '/etc/kubernetes/kubeconfig.yaml',
      nbPort: 6641,
      sbPort: 6642,
      encapType: 'geneve',
      bootstrapMaster: 'm1',
      nbRaftPort: 6643,
      sbRaftPort: 6644,
      sbNorthdPort: 16642,
      electionTimerMs: 1000,
    });
    // TLS off, and the CA it would keep beside the inventory.
    expect(inv.tls).toEqual({ enabled: false, caDir: path.join(fixtures, 'pki'), renewDays: 30 });
    expect(inv.ovnkube).toEqual({
      enabled: true,
      binary: '/usr/bin/ovnkube',
      loglevel: 4,
      logfile: '/var/log/openvswitch/ovnkube.log',
      nodeport: true,
      initGateways: true,
      master: 'm1',
    });
    expect(inv.packages).toEqual({ source: { kind: 'wand' }, datapath: 'dkms', ovsPython: 'pip', lockTimeout: 600 });
    expect(inv.ovs).toEqual({ datapathType: 'system' });
  });
});

describe('per-host settings', () => {
  test('a host ssh: overrides the top-level one key by key; become too', async () => {
    const { inv, sub } = await load(
      `
ssh: {user: admin, port: 2200, privateKey: keys/id, hostKeyChecking: accept-new, ` +
        `connectTimeout: 2.5, commandTimeout: 300, keepaliveTimeout: 120}
become: true
hosts:
  m1: {address: 10.0.0.1, roles: [master]}
  n1:
    address: 10.0.0.2
    roles: [node]
    become: false
    ssh: {user: ubuntu, knownHosts: ~/kh, passphraseEnv: N1_PASS, keepaliveTimeout: 0}
`,
    );
    const top = {
      user: 'admin',
      port: 2200,
      privateKey: path.join(sub, 'keys/id'),
      knownHosts: `${home}/.ssh/known_hosts`,
      hostKeyChecking: 'accept-new',
      connectTimeoutMs: 2500,
      commandTimeoutMs: 300_000,
      keepaliveTimeoutMs: 120_000,
    };
    expect(inv.hosts[0].ssh).toEqual(top);
    expect(inv.hosts[0].become).toBe(true);
    expect(inv.hosts[1].ssh).toEqual({
      ...top,
      user: 'ubuntu',
      knownHosts: `${home}/kh`,
      passphraseEnv: 'N1_PASS',
      keepaliveTimeoutMs: 0,
    });
    expect(inv.hosts[1].become).toBe(false);
  });

  test('encapIp defaults to address; the apiserver to the first master, bracketed for IPv6', async () => {
    const { inv } = await load(`
hosts:
  n0: {address: 10.0.0.5, roles: [node]}
  m1: {address: "fd00::10", roles: [master, node], encapIp: "fd00:1::10"}
  m2: {address: "fd00::11", roles: [master]}
`);
    expect(inv.hosts.map((h) => h.encapIp)).toEqual(['10.0.0.5', 'fd00:1::10', 'fd00::11']);
    expect(inv.cluster.k8sApiserver).toBe('http://[fd00::10]:8080');
    expect(inv.hosts[1].groups).toEqual(['all', 'masters', 'nodes']);
  });

  test('hosts keep file order, even names a JS object would sort first', async () => {
    const { inv } = await load(`
hosts:
  zeta: {address: 10.0.0.1, roles: [master]}
  "10": {address: 10.0.0.2, roles: [node]}
  alpha: {address: 10.0.0.3, roles: [node]}
  "2": {address: 10.0.0.4, roles: [node]}
groups:
  b: [alpha, zeta]
  a: ["2"]
`);
    expect(inv.hosts.map((h) => h.name)).toEqual(['zeta', '10', 'alpha', '2']);
    expect(inv.groups.all).toEqual(['zeta', '10', 'alpha', '2']);
    expect(Object.keys(inv.groups)).toEqual(['all', 'masters', 'nodes', 'b', 'a']);
    expect(inv.groups.b).toEqual(['zeta', 'alpha']); // inventory order, not the group's
  });

  test('the same address on two ports is two hosts (NAT, containers)', async () => {
    const { inv } = await load(`
hosts:
  m1: {address: 127.0.0.1, roles: [master], ssh: {port: 2201}}
  n1: {address: 127.0.0.1, roles: [node], ssh: {port: 2202}}
`);
    expect(inv.hosts.map((h) => h.ssh.port)).toEqual([2201, 2202]);
  });

  test('anchors and aliases share settings', async () => {
    const { inv } = await load(`
hosts:
  m1: {address: 10.0.0.1, roles: [master], ssh: &jump {user: deploy, port: 2222}}
  n1: {address: 10.0.0.2, roles: [node], ssh: *jump}
`);
    expect(inv.hosts[1].ssh.user).toBe('deploy');
    expect(inv.hosts[1].ssh.port).toBe(2222);
  });
});

describe('sections', () => {
  test('a custom package source resolves a local key; a URL key is kept', async () => {
    const { inv, sub } = await load(
      `
packages:
  source: {url: "http://10.0.0.1/debian", key: keys/mirror.gpg, suite: bookworm}
  datapath: kernel
  ovsPython: apt
hosts:
  m1: {address: 10.0.0.10, roles: [master]}
`,
      { 'keys/mirror.gpg': 'key' },
    );
    expect(inv.packages).toEqual({
      source: {
        kind: 'custom',
        url: 'http://10.0.0.1/debian',
        key: path.join(sub, 'keys/mirror.gpg'),
        suite: 'bookworm',
        components: ['main'],
      },
      datapath: 'kernel',
      ovsPython: 'apt',
      lockTimeout: 600,
    });
    const { inv: inv2 } = await load(`
packages:
  source: {url: "https://mirror.example/ovs", key: "https://mirror.example/key.gpg", components: [main, extra]}
hosts:
  m1: {address: 10.0.0.10, roles: [master]}
`);
    expect(inv2.packages.source).toEqual({
      kind: 'custom',
      url: 'https://mirror.example/ovs',
      key: 'https://mirror.example/key.gpg',
      components: ['main', 'extra'],
    });
  });

  test('distro source, netdev datapath, ovnkube settings', async () => {
    const { inv } = await load(`
packages: {source: distro}
ovs: {datapathType: netdev}
ovnkube: {enabled: false, loglevel: 5, nodeport: false, initGateways: false, binary: /opt/bin/ovnkube}
cluster: {encapType: vxlan, nbPort: 6631, sbPort: 6632, k8sApiserver: "https://k8s.example:6443"}
hosts:
  m1: {address: 10.0.0.10, roles: [master]}
`);
    expect(inv.packages.source).toEqual({ kind: 'distro' });
    expect(inv.ovs.datapathType).toBe('netdev');
    expect(inv.ovnkube).toMatchObject({
      enabled: false,
      loglevel: 5,
      nodeport: false,
      initGateways: false,
      binary: '/opt/bin/ovnkube',
    });
    expect(inv.cluster).toMatchObject({
      encapType: 'vxlan',
      nbPort: 6631,
      sbPort: 6632,
      k8sApiserver: 'https://k8s.example:6443',
    });
  });

  test('greMesh is kept in extra.greMesh with its defaults', async () => {
    const { inv } = await load(`
greMesh:
  tunnelType: vxlan
  underlayBridge: true
  hostSubnets: {m1: 172.17.1.0/24, n1: 172.17.2.0/24}
hosts:
  m1: {address: 10.0.0.10, roles: [master]}
  n1: {address: 10.0.0.11, roles: [node]}
`);
    expect(inv.extra.greMesh).toEqual({
      bridge: 'br0',
      podNetwork: '172.17.0.0/16',
      hostSubnets: { m1: '172.17.1.0/24', n1: '172.17.2.0/24' },
      linuxBridge: 'docker0',
      tunnelType: 'vxlan',
      underlayBridge: true,
    });
  });
});
