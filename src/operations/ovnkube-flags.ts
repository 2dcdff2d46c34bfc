// The ovnkube command line of the seed guide, built from the inventory. Order and spelling follow
// the guide's master and node commands so a user can diff them against what they ran by hand.
import type { Host, Inventory } from '../inventory/types.js';
import type { Secret } from '../shell/secret.js';

export type Arg = string | { flag: string; secret: Secret };

export function masters(inv: Inventory): Host[] {
  return inv.hosts.filter((h) => h.roles.includes('master'));
}

/** `tcp://m1:6641,tcp://m2:6641` — every master, as ovnkube's -nb-address/-sb-address want. */
export function dbAddresses(inv: Inventory, db: 'nb' | 'sb'): string {
  const port = db === 'nb' ? inv.cluster.nbPort : inv.cluster.sbPort;
  return masters(inv).map((m) => `tcp://${hostPort(m.address, port)}`).join(',');
}

/** `tcp:m1:6642,tcp:m2:6642` — the ovn-remote / ovn-nb syntax of OVSDB. */
export function dbRemotes(inv: Inventory, db: 'nb' | 'sb'): string {
  const port = db === 'nb' ? inv.cluster.nbPort : inv.cluster.sbPort;
  return masters(inv).map((m) => `tcp:${hostPort(m.address, port)}`).join(',');
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function ovnkubeArgs(host: Host, inv: Inventory): Arg[] {
  const c = inv.cluster;
  const k = inv.ovnkube;
  const isMaster = host.roles.includes('master');
  const isNode = host.roles.includes('node');
  const args: Arg[] = ['-k8s-kubeconfig', c.k8sKubeconfig];
  if (isMaster) {
    args.push('-net-controller', `-loglevel=${k.loglevel}`, `-k8s-apiserver=${c.k8sApiserver}`, `-logfile=${k.logfile}`);
    args.push(`-init-master=${host.name}`, `-cluster-subnet=${c.clusterSubnet}`, `-service-cluster-ip-range=${c.serviceClusterIpRange}`);
    if (k.nodeport) args.push('-nodeport');
    args.push(`-nb-address=${dbAddresses(inv, 'nb')}`, `-sb-address=${dbAddresses(inv, 'sb')}`);
    if (isNode) args.push(`-init-node=${host.name}`, ...tokenArg(inv), ...(k.initGateways ? ['-init-gateways'] : []));
    return args;
  }
  args.push(`-loglevel=${k.loglevel}`, `-logfile=${k.logfile}`, `-k8s-apiserver=${c.k8sApiserver}`, `-init-node=${host.name}`);
  if (k.nodeport) args.push('-nodeport');
  args.push(`-nb-address=${dbAddresses(inv, 'nb')}`, `-sb-address=${dbAddresses(inv, 'sb')}`, ...tokenArg(inv));
  if (k.initGateways) args.push('-init-gateways');
  args.push(`-service-cluster-ip-range=${c.serviceClusterIpRange}`, `-cluster-subnet=${c.clusterSubnet}`);
  return args;
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
