// What `ovnctl inventory` shows: the resolved inventory as plain JSON, the token masked, never revealed,
// and any other string that holds a secret of the inventory's registry masked too.
import { MASK } from '../shell/secret.js';
import type { ClusterSettings, Host, Inventory } from './types.js';

/** A type alias, not an interface, so it is assignable to Record<string, unknown>. */
export type InventoryDescription = {
  file: string;
  /** Host name → host, in inventory order, like the file's own `hosts:`. */
  hosts: Record<string, Omit<Host, 'name' | 'encapIp'> & { encapIp?: string }>;
  groups: Record<string, string[]>;
  cluster: Omit<ClusterSettings, 'k8sToken'> & { k8sToken?: typeof MASK };
  packages: Inventory['packages'];
  ovs: Inventory['ovs'];
  ovnkube: Inventory['ovnkube'];
  extra: Record<string, unknown>;
};

export function describeInventory(inv: Inventory): InventoryDescription {
  const { k8sToken, ...cluster } = inv.cluster;
  // structuredClone: the caller may print or change the result without touching the inventory.
  const view: InventoryDescription = structuredClone({
    file: inv.file,
    hosts: Object.fromEntries(inv.hosts.map(({ name, ...host }) => [name, shownHost(host)])),
    groups: inv.groups,
    cluster: { ...cluster, ...(k8sToken ? { k8sToken: MASK } : {}) },
    packages: inv.packages,
    ovs: inv.ovs,
    ovnkube: inv.ovnkube,
    extra: inv.extra,
  });
  return inv.secrets.maskValue(view);
}

/** A tunnel endpoint still to be read on the host is not shown as an address: encapFromHost says so. */
function shownHost(host: Omit<Host, 'name'>): InventoryDescription['hosts'][string] {
  if (!host.encapFromHost || host.encapIp !== '') return host;
  const { encapIp: _unread, ...rest } = host;
  return rest;
}
