// A typed inventory built in code, for unit tests that need no YAML.
import type { Host, Inventory, Role } from '../../src/inventory/types.js';
import { Secret, SecretRegistry } from '../../src/shell/secret.js';

export function host(name: string, address: string, roles: Role[], extra: Partial<Host> = {}): Host {
  return {
    name,
    address,
    roles,
    encapIp: address,
    become: false,
    groups: ['all', ...roles.map((r) => (r === 'master' ? 'masters' : 'nodes'))],
    ssh: {
      user: 'root',
      port: 22,
      knownHosts: '/root/.ssh/known_hosts',
      hostKeyChecking: 'strict',
      connectTimeoutMs: 10_000,
      commandTimeoutMs: 0,
      keepaliveTimeoutMs: 30_000,
    },
    ...extra,
  };
}

/** The seed guide's cluster: one master at 10.0.0.10, two nodes; its secrets registry holds the token. */
export function guideInventory(over: Partial<Inventory> = {}): Inventory {
  const hosts = [
    host('m1', '10.0.0.10', ['master']),
    host('n1', '10.0.0.11', ['node']),
    host('n2', '10.0.0.12', ['node'], { encapIp: '192.168.50.12' }),
  ];
  const inv: Omit<Inventory, 'secrets'> = {
    file: '/tmp/inventory.yaml',
    hosts,
    groups: { all: ['m1', 'n1', 'n2'], masters: ['m1'], nodes: ['n1', 'n2'] },
    cluster: {
      clusterSubnet: '11.11.0.0/16',
      serviceClusterIpRange: '10.96.0.0/12',
      k8sApiserver: 'http://10.0.0.10:8080',
      k8sKubeconfig: '/etc/kubernetes/kubeconfig.yaml',
      k8sToken: new Secret('s3cr3t-t0ken'),
      nbPort: 6641,
      sbPort: 6642,
      encapType: 'geneve',
      bootstrapMaster: 'm1',
      nbRaftPort: 6643,
      sbRaftPort: 6644,
      sbNorthdPort: 16642,
      electionTimerMs: 1000,
    },
    packages: { source: { kind: 'wand' }, datapath: 'dkms', ovsPython: 'pip' },
    ovs: { datapathType: 'system' },
    ovnkube: {
      enabled: true,
      binary: '/usr/bin/ovnkube',
      loglevel: 4,
      logfile: '/var/log/openvswitch/ovnkube.log',
      nodeport: true,
      initGateways: true,
      master: 'm1',
    },
    tls: { enabled: false, caDir: '/tmp/pki', renewDays: 30 },
    extra: {},
    ...over,
  };
  // As loadInventory does: the registry knows the token the inventory ends up with.
  const token = inv.cluster.k8sToken;
  return { ...inv, secrets: over.secrets ?? new SecretRegistry(token ? [[token, 'cluster.k8sToken']] : []) };
}

/** The guide's cluster with three masters (m1..m3 at 10.0.0.1..3) and the guide's two nodes. */
export function threeMasterInventory(over: Partial<Inventory> = {}): Inventory {
  const base = guideInventory();
  const ms = [1, 2, 3].map((i) => host(`m${i}`, `10.0.0.${i}`, ['master']));
  const nodes = base.hosts.filter((h) => h.roles.includes('node'));
  return guideInventory({
    hosts: [...ms, ...nodes],
    groups: { all: [...ms.map((m) => m.name), 'n1', 'n2'], masters: ['m1', 'm2', 'm3'], nodes: ['n1', 'n2'] },
    ...over,
  });
}
