// The ovnkube command line of the seed guide, built from the inventory. Order and spelling follow
// the guide's master and node commands so a user can diff them against what they ran by hand.
import type { Host, HostFile, Inventory } from '../inventory/types.js';
import { ovnkubeTlsFlags, tlsEnabled } from '../ovn/tls.js';
import { addressList, ovnkubeMaster } from '../ovn/topology.js';
import type { Secret } from '../shell/secret.js';

export type Arg = string | { flag: string; secret: Secret };

/** Where ovnctl uploads a local kubeconfig (cluster.k8sKubeconfig: {file}) and CA (cluster.k8sCacert: {file}). */
export const KUBECONFIG_HOST_PATH = '/etc/ovnctl/kubeconfig';
export const K8S_CACERT_HOST_PATH = '/etc/ovnctl/k8s-ca.crt';
/** Where install.yaml copies ovnkube.cniPlugin: kubelet's CNI bin dir, under ovnkube's -cni-plugin default name. */
export const CNI_PLUGIN_PATH = '/opt/cni/bin/ovn-k8s-cni-overlay';

/**
 * Bytes a tunnel adds to a pod's packet, the inner Ethernet header included (a pod's MTU counts from its
 * IP header): geneve 20 IPv4 + 8 UDP + 8 Geneve + 8 for OVN's one option (class 0x0102, 4 bytes of
 * data) + 14 = 58; vxlan 20 + 8 + 8 + 14 = 50; stt 20 IPv4 + 20 TCP + 18 STT (16-byte header and 2 bytes
 * of padding) + 14 = 72, as Open vSwitch's own STT port computes its largest MTU: openvswitch/ovs
 * datapath/linux/compat/stt.c, __stt_change_mtu(): IP_MAX_MTU - STT_HEADER_LEN - sizeof(struct iphdr)
 * - dev->hard_header_len, with STT_HEADER_LEN = sizeof(struct tcphdr) + sizeof(struct stthdr) +
 * STT_ETH_PAD (datapath/linux/compat/include/net/stt.h).
 */
export const ENCAP_OVERHEAD = { geneve: 58, vxlan: 50, stt: 72 } as const;

/** The path ovnkube is given for a HostFile: its own, or where ovnctl uploads the local file. */
export function hostPath(f: HostFile, uploadedTo: string): string {
  return typeof f === 'string' ? f : uploadedTo;
}

/** Where -mtu applies: where ovnkube sets up pods' interfaces (-init-node). */
export function runsNodeHalf(host: Host, inv: Inventory): boolean {
  return ovnkubeRole(host, inv) !== 'none' && host.roles.includes('node');
}

/** -mtu: cluster.mtu, else the underlay MTU (a fact) less the tunnel overhead; undefined when neither is known. */
export function ovnkubeMtu(inv: Inventory, underlayMtu?: number): number | undefined {
  if (inv.cluster.mtu !== undefined) return inv.cluster.mtu;
  return underlayMtu === undefined ? undefined : underlayMtu - ENCAP_OVERHEAD[inv.cluster.encapType];
}

export interface HostInputs {
  /** The MTU of the link that holds the host's encapIp (facts/mtu.ts); needed when cluster.mtu is unset. */
  underlayMtu?: number;
}

/**
 * What ovnkube runs as on a host: the guide's ovnkube has no leader election, so exactly one master
 * (ovnkube.master) runs -init-master; another master runs the node half when it is also a node, else
 * no ovnkube at all.
 */
export function ovnkubeRole(host: Host, inv: Inventory): 'master' | 'node' | 'none' {
  if (host.roles.includes('master') && host.name === ovnkubeMaster(inv).name) return 'master';
  return host.roles.includes('node') ? 'node' : 'none';
}

export function ovnkubeArgs(host: Host, inv: Inventory, inputs: HostInputs = {}): Arg[] {
  const c = inv.cluster;
  const k = inv.ovnkube;
  const isMaster = ovnkubeRole(host, inv) === 'master';
  const isNode = host.roles.includes('node');
  const args: Arg[] = ['-k8s-kubeconfig', hostPath(c.k8sKubeconfig, KUBECONFIG_HOST_PATH)];
  if (c.k8sCacert !== undefined) args.push(`-k8s-cacert=${hostPath(c.k8sCacert, K8S_CACERT_HOST_PATH)}`);
  const mtu = ovnkubeMtu(inv, inputs.underlayMtu);
  const mtuFlag = mtu !== undefined ? [`-mtu=${mtu}`] : [];
  if (isMaster) {
    args.push(
      '-net-controller',
      `-loglevel=${k.loglevel}`,
      `-k8s-apiserver=${c.k8sApiserver}`,
      `-logfile=${k.logfile}`,
    );
    args.push(
      `-init-master=${host.name}`,
      ...encapFlags(host, inv),
      `-cluster-subnet=${c.clusterSubnet}`,
      `-service-cluster-ip-range=${c.serviceClusterIpRange}`,
    );
    if (k.nodeport) args.push('-nodeport');
    args.push(`-nb-address=${addressList(inv, 'nb')}`, `-sb-address=${addressList(inv, 'sb')}`, ...tlsFlags(inv));
    if (isNode) args.push(`-init-node=${host.name}`, ...mtuFlag, ...tokenArg(inv), ...gatewayFlags(inv));
    return args;
  }
  args.push(
    `-loglevel=${k.loglevel}`,
    `-logfile=${k.logfile}`,
    `-k8s-apiserver=${c.k8sApiserver}`,
    `-init-node=${host.name}`,
    ...encapFlags(host, inv),
    ...mtuFlag,
  );
  if (k.nodeport) args.push('-nodeport');
  args.push(
    `-nb-address=${addressList(inv, 'nb')}`,
    `-sb-address=${addressList(inv, 'sb')}`,
    ...tlsFlags(inv),
    ...tokenArg(inv),
  );
  args.push(...gatewayFlags(inv));
  args.push(`-service-cluster-ip-range=${c.serviceClusterIpRange}`, `-cluster-subnet=${c.clusterSubnet}`);
  return args;
}

/**
 * ovnkube -init-master/-init-node write ovn-encap-type and ovn-encap-ip into the local Open_vSwitch
 * external_ids themselves (geneve, and the address the node's name resolves to, by default): given
 * ovnctl's values, the two writers agree, also when ovnkube restarts on its own.
 */
function encapFlags(host: Host, inv: Inventory): string[] {
  return [`-encap-type=${inv.cluster.encapType}`, `-encap-ip=${host.encapIp}`];
}

/**
 * -init-gateways and the guide's gateway flags, in the forms Go's flag package parses: strings as
 * `-x=value`, the bool -gateway-spare-interface as `-x` alone (a `-x false` would end flag parsing).
 */
function gatewayFlags(inv: Inventory): string[] {
  const k = inv.ovnkube;
  if (!k.initGateways) return [];
  const g = k.gateway;
  return [
    '-init-gateways',
    ...(g?.interface !== undefined ? [`-gateway-interface=${g.interface}`] : []),
    ...(g?.nexthop !== undefined ? [`-gateway-nexthop=${g.nexthop}`] : []),
    ...(g?.spareInterface ? ['-gateway-spare-interface'] : []),
  ];
}

/** With TLS: the host's key, certificate and CA for its ssl:// NB and SB addresses. */
function tlsFlags(inv: Inventory): Arg[] {
  return tlsEnabled(inv) ? ovnkubeTlsFlags() : [];
}

function tokenArg(inv: Inventory): Arg[] {
  return inv.cluster.k8sToken ? [{ flag: '-k8s-token=', secret: inv.cluster.k8sToken }] : [];
}

export function revealArg(a: Arg): string {
  return typeof a === 'string' ? a : a.flag + a.secret.reveal();
}

export function displayArg(a: Arg): string {
  return typeof a === 'string' ? a : a.flag + a.secret.toString();
}
