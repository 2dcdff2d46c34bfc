// Rules that span several keys, run once the schema has passed: roles, uniqueness, group references.
import { isIP } from 'node:net';
import type { Problems } from './problems.js';
import type { Inventory } from './types.js';
import type { RawInventory } from './schema.js';
import type { InventorySource } from './yaml-source.js';

export const IMPLICIT_GROUPS = ['all', 'masters', 'nodes'] as const;

export function checkInventory(
  raw: RawInventory,
  hostOrder: readonly string[],
  src: InventorySource,
  problems: Problems,
): void {
  const at = (detail: string, path: readonly PropertyKey[], key = false): void =>
    src.report(problems, detail, src.offsetOf(path, { key }));
  const hosts = hostOrder.map((name) => ({ name, ...raw.hosts[name] }));

  for (const h of hosts) {
    if ((IMPLICIT_GROUPS as readonly string[]).includes(h.name)) {
      at(`host name '${h.name}' is reserved for the implicit group of that name`, ['hosts', h.name], true);
    }
  }
  if (!hosts.some((h) => h.roles.includes('master'))) {
    at('no host has role master; at least one is required', ['hosts']);
  }

  // Two entries for one SSH endpoint would run every task twice on the same machine.
  const endpoints = new Map<string, string>();
  // Two nodes with one tunnel endpoint break the overlay.
  const tunnels = new Map<string, string>();
  for (const h of hosts) {
    const port = h.ssh?.port ?? raw.ssh.port;
    const endpoint = `${canonicalIp(h.address)} ${port}`;
    const twin = endpoints.get(endpoint);
    if (twin) at(`address ${h.address} port ${port} is already used by host ${twin}`, ['hosts', h.name, 'address']);
    else endpoints.set(endpoint, h.name);

    // RAFT keeps each member's address in the database files and every node is given the masters' addresses:
    // one stable address that means the same on every host, which a DNS name does not promise.
    if (h.roles.includes('master') && !isIP(h.address))
      at(
        `host ${h.name} is a master, and its address ${h.address} is a DNS name: a master's OVN databases are ` +
          'reached at an IP address (RAFT keeps it, every node is given it); set the address to the IP ' +
          '(ansible_host= in an Ansible inventory), ssh connects there too',
        ['hosts', h.name, 'address'],
      );

    // A node named by DNS without encapIp reads its tunnel endpoint on the host: checked once read (app/encap.ts).
    if (!h.roles.includes('node') || (h.encapIp === undefined && !isIP(h.address))) continue;
    const encap = canonicalIp(h.encapIp ?? h.address);
    const other = tunnels.get(encap);
    const where = ['hosts', h.name, h.encapIp ? 'encapIp' : 'address'];
    if (other)
      at(`tunnel endpoint ${h.encapIp ?? h.address} is already used by node ${other}; set a distinct encapIp`, where);
    else tunnels.set(encap, h.name);
  }

  const hostNames = new Set(hostOrder);
  for (const [group, members] of Object.entries(raw.groups)) {
    if ((IMPLICIT_GROUPS as readonly string[]).includes(group)) {
      at(`group '${group}' is implicit and cannot be redefined`, ['groups', group], true);
    } else if (hostNames.has(group)) {
      at(`group '${group}' has the name of a host; --limit could not tell them apart`, ['groups', group], true);
    }
    members.forEach((member, i) => {
      if (!hostNames.has(member)) at(`group '${group}' names unknown host '${member}'`, ['groups', group, i]);
    });
  }

  for (const name of Object.keys(raw.greMesh.hostSubnets ?? {})) {
    if (!hostNames.has(name))
      at(`greMesh.hostSubnets names unknown host '${name}'`, ['greMesh', 'hostSubnets', name], true);
  }

  if (raw.cluster.nbPort === raw.cluster.sbPort) {
    at(`cluster.sbPort: the southbound database needs a port other than nbPort (${raw.cluster.nbPort})`, [
      'cluster',
      'sbPort',
    ]);
  }
  checkRaftSettings(raw, hostOrder, at);
  if (raw.ovnkube.gateway && !raw.ovnkube.initGateways) {
    at('ovnkube.gateway: the gateway flags take effect with -init-gateways; set ovnkube.initGateways: true', [
      'ovnkube',
      'gateway',
    ]);
  }
}

/** The RAFT settings: named masters that exist, and four ports that a master can all listen on at once. */
function checkRaftSettings(
  raw: RawInventory,
  hostOrder: readonly string[],
  at: (detail: string, path: readonly PropertyKey[], key?: boolean) => void,
): void {
  const masterNames = hostOrder.filter((n) => raw.hosts[n].roles.includes('master'));
  const named = [
    ['cluster', 'bootstrapMaster', raw.cluster.bootstrapMaster],
    ['ovnkube', 'master', raw.ovnkube.master],
  ] as const;
  for (const [section, key, name] of named) {
    if (name === undefined) continue;
    if (!raw.hosts[name]) at(`${section}.${key} names unknown host '${name}'`, [section, key]);
    else if (!masterNames.includes(name))
      at(`${section}.${key}: host '${name}' is not a master (masters: ${masterNames.join(', ')})`, [section, key]);
  }
  // Every port a master listens on, in the order a later one clashes with an earlier one.
  const ports = [
    ['nbPort', raw.cluster.nbPort],
    ['sbPort', raw.cluster.sbPort],
    ['nbRaftPort', raw.cluster.nbRaftPort],
    ['sbRaftPort', raw.cluster.sbRaftPort],
  ] as const;
  ports.forEach(([key, port], i) => {
    if (i < 2) return; // nbPort/sbPort: checked above
    const twin = ports.slice(0, i).find(([, p]) => p === port);
    if (twin)
      at(`cluster.${key}: port ${port} is already cluster.${twin[0]}; each database port must differ`, [
        'cluster',
        key,
      ]);
  });
}

/** With an even number of masters the cluster tolerates no more failures than with one fewer. */
export function evenMastersWarning(masterCount: number): string | undefined {
  if (masterCount < 2 || masterCount % 2 === 1) return undefined;
  const tolerated = Math.floor((masterCount - 1) / 2);
  return (
    `${masterCount} masters: the NB/SB RAFT clusters tolerate ${tolerated} failed master` +
    `${tolerated === 1 ? '' : 's'}, no more than ${masterCount - 1} masters would; an odd number is the better choice`
  );
}

/** What is valid but unwise in an inventory: said on stderr (or as --json warning events), never fatal. */
export function inventoryWarnings(inv: Inventory): string[] {
  const w = evenMastersWarning(inv.hosts.filter((h) => h.roles.includes('master')).length);
  return w ? [w] : [];
}

/** One spelling per address, so 2001:db8::1 and 2001:DB8:0::1 compare equal. */
export function canonicalIp(ip: string): string {
  return new URL(`http://${ip.includes(':') ? `[${ip}]` : ip}`).hostname;
}
