// The variables a playbook sees for one host: inventory settings, the host, derived OVN addresses,
// and -e extra vars. The token is never a variable: modules take it from the inventory directly.
import type { Host, Inventory } from '../inventory/types.js';
import { addressList, masters, remoteList } from '../ovn/topology.js';

export type Namespace = Record<string, unknown>;

const hostView = (h: Host) => ({
  name: h.name,
  address: h.address,
  roles: h.roles,
  encapIp: h.encapIp,
  groups: h.groups,
});

export function buildNamespace(inv: Inventory, host: Host, extraVars: Record<string, unknown>): Namespace {
  const { k8sToken, ...cluster } = inv.cluster;
  const ns: Namespace = {
    host: hostView(host),
    inventory_hostname: host.name,
    cluster: { ...cluster, k8sTokenSet: k8sToken !== undefined },
    packages: inv.packages,
    ovs: inv.ovs,
    ovnkube: { ...inv.ovnkube, upload: inv.ovnkube.upload ?? null, cniPlugin: inv.ovnkube.cniPlugin ?? null },
    tls: { enabled: inv.tls.enabled, renewDays: inv.tls.renewDays },
    masters: masters(inv).map(hostView),
    nodes: inv.hosts.filter((h) => h.roles.includes('node')).map(hostView),
    hosts: Object.fromEntries(inv.hosts.map((h) => [h.name, hostView(h)])),
    groups: inv.groups,
    ovn: {
      nbAddress: addressList(inv, 'nb'),
      sbAddress: addressList(inv, 'sb'),
      nbRemote: remoteList(inv, 'nb'),
      sbRemote: remoteList(inv, 'sb'),
    },
    ...inv.extra,
  };
  for (const [path, value] of Object.entries(extraVars)) setPath(ns, path.split('.'), value);
  return ns;
}

function setPath(ns: Namespace, parts: string[], value: unknown): void {
  let cur: Record<string, unknown> = ns;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    cur[p] = next && typeof next === 'object' && !Array.isArray(next) ? { ...(next as object) } : {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}
