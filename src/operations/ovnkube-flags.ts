// The ovnkube command line of the seed guide, built from the inventory. Order and spelling follow
// the guide's master and node commands so a user can diff them against what they ran by hand.
import type { Host, Inventory } from '../inventory/types.js';
import { ovnkubeTlsFlags, tlsEnabled } from '../ovn/tls.js';
import { addressList, ovnkubeMaster } from '../ovn/topology.js';
import type { Secret } from '../shell/secret.js';

export type Arg = string | { flag: string; secret: Secret };

/**
 * What ovnkube runs as on a host: the guide's ovnkube has no leader election, so exactly one master
 * (ovnkube.master) runs -init-master; another master runs the node half when it is also a node, else
 * no ovnkube at all.
 */
export function ovnkubeRole(host: Host, inv: Inventory): 'master' | 'node' | 'none' {
  if (host.roles.includes('master') && host.name === ovnkubeMaster(inv).name) return 'master';
  return host.roles.includes('node') ? 'node' : 'none';
}

export function ovnkubeArgs(host: Host, inv: Inventory): Arg[] {
  const c = inv.cluster;
  const k = inv.ovnkube;
  const isMaster = ovnkubeRole(host, inv) === 'master';
  const isNode = host.roles.includes('node');
  const args: Arg[] = ['-k8s-kubeconfig', c.k8sKubeconfig];
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
    if (isNode) args.push(`-init-node=${host.name}`, ...tokenArg(inv), ...(k.initGateways ? ['-init-gateways'] : []));
    return args;
  }
  args.push(
    `-loglevel=${k.loglevel}`,
    `-logfile=${k.logfile}`,
    `-k8s-apiserver=${c.k8sApiserver}`,
    `-init-node=${host.name}`,
    ...encapFlags(host, inv),
  );
  if (k.nodeport) args.push('-nodeport');
  args.push(
    `-nb-address=${addressList(inv, 'nb')}`,
    `-sb-address=${addressList(inv, 'sb')}`,
    ...tlsFlags(inv),
    ...tokenArg(inv),
  );
  if (k.initGateways) args.push('-init-gateways');
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
