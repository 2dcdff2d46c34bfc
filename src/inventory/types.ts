// The typed, validated inventory that the rest of ovnctl reads. Produced by inventory/load.ts.
import type { Secret, SecretRegistry } from '../shell/secret.js';

export type Role = 'master' | 'node';
export type HostKeyChecking = 'strict' | 'accept-new' | 'off';

export interface SshSettings {
  user: string;
  port: number;
  /** Absolute path (~ expanded); undefined → ssh-agent at SSH_AUTH_SOCK. */
  privateKey?: string;
  /** Name of an environment variable holding the key's passphrase. */
  passphraseEnv?: string;
  knownHosts: string;
  hostKeyChecking: HostKeyChecking;
  connectTimeoutMs: number;
  /** Per-command timeout; 0 = none. */
  commandTimeoutMs: number;
  /** A connection with no answer to keepalives this long is lost; 0 = no keepalives. */
  keepaliveTimeoutMs: number;
}

export interface Host {
  name: string;
  /** Where ssh connects: an IP address, or, for a node only, a DNS name (inventory/checks.ts). */
  address: string;
  roles: Role[];
  /** The tunnel endpoint: '' until it is read on the host, when encapFromHost. */
  encapIp: string;
  /**
   * No encapIp was given and the address is a DNS name: the tunnel endpoint is the address the host itself
   * uses toward the first master (facts/encap.ts), read by app/encap.ts before a playbook is loaded.
   */
  encapFromHost?: boolean;
  ssh: SshSettings;
  become: boolean;
  /** Every group this host is in, implicit ones included (all, masters, nodes). */
  groups: string[];
  /** A certificate and key issued elsewhere (absolute local paths), uploaded instead of made on the host. */
  tls?: CertFiles;
}

export interface CertFiles {
  cert: string;
  key: string;
}

export interface TlsSettings {
  enabled: boolean;
  /** Absolute: the CA ovnctl keeps (cacert.pem, private/cakey.pem). */
  caDir: string;
  renewDays: number;
  /** The user's own CA (absolute paths) instead of caDir's. */
  ca?: CertFiles;
}

/**
 * A file ovnkube reads on the hosts: a path already there, or a local file (absolute path) that ovnctl
 * uploads to a fixed path on each host running ovnkube (operations/ovnkube.ts).
 */
export type HostFile = string | { file: string };

export interface ClusterSettings {
  clusterSubnet: string;
  serviceClusterIpRange: string;
  k8sApiserver: string;
  /** -k8s-kubeconfig; a local one's content is a secret (in `Inventory.secrets`). */
  k8sKubeconfig: HostFile;
  /** -k8s-cacert, when set. */
  k8sCacert?: HostFile;
  k8sToken?: Secret;
  nbPort: number;
  sbPort: number;
  encapType: 'geneve' | 'stt' | 'vxlan';
  /** ovnkube's -mtu; unset: each node's underlay MTU less the encapsulation overhead. */
  mtu?: number;
  /** The master that creates the NB/SB RAFT clusters (with 2+ masters); default the first master. */
  bootstrapMaster: string;
  /** RAFT ports between masters (ovn-ctl --db-nb-cluster-local-port / --db-sb-cluster-local-port). */
  nbRaftPort: number;
  sbRaftPort: number;
  /** With TLS and 2+ masters: the SB listener ovn-northd uses (no RBAC role; nodes use sbPort). */
  sbNorthdPort: number;
  /** RAFT election timer, milliseconds (OVN's default 1000). */
  electionTimerMs: number;
}

export type PackageSource =
  | { kind: 'wand' }
  | { kind: 'distro' }
  | { kind: 'custom'; url: string; key: string; suite?: string; components: string[] };

export interface PackageSettings {
  source: PackageSource;
  datapath: 'dkms' | 'kernel';
  ovsPython: 'pip' | 'apt' | 'none';
  /** Seconds apt waits for the dpkg lock (default 600). */
  lockTimeout?: number;
}

export interface OvsSettings {
  datapathType: 'system' | 'netdev';
}

export interface OvnkubeSettings {
  enabled: boolean;
  binary: string;
  upload?: string;
  loglevel: number;
  logfile: string;
  nodeport: boolean;
  initGateways: boolean;
  /** The one master that runs ovnkube -init-master; default the bootstrap master. */
  master: string;
  /** A local CNI plugin build (absolute path) copied to /opt/cni/bin/ovn-k8s-cni-overlay on nodes. */
  cniPlugin?: { upload: string };
  /** Nodes' OVN gateway: ovnkube's -gateway-* flags (with -init-gateways). */
  gateway?: GatewaySettings;
}

export interface GatewaySettings {
  interface?: string;
  nexthop?: string;
  spareInterface: boolean;
}

export interface Inventory {
  /** Absolute path of the inventory file. */
  file: string;
  hosts: Host[];
  /** Group name → host names, implicit groups (all, masters, nodes) included. */
  groups: Record<string, string[]>;
  cluster: ClusterSettings;
  packages: PackageSettings;
  ovs: OvsSettings;
  ovnkube: OvnkubeSettings;
  tls: TlsSettings;
  /** Optional sections used by other playbooks (gre-mesh); raw validated objects. */
  extra: Record<string, unknown>;
  /** Every secret of the run (token, key passphrases): what every output path masks. */
  secrets: SecretRegistry;
}
