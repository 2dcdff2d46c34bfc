// <dir>/inventory.yaml and <dir>/known_hosts, written from the lab state (SPEC "Inventory").
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Document, isCollection } from 'yaml';
import type { LabState } from './lab-state.js';

/** Where a lab keeps what it hands to ovnctl. */
export function labFiles(dir: string) {
  return {
    inventory: join(dir, 'inventory.yaml'),
    privateKey: join(dir, 'id_ed25519'),
    publicKey: join(dir, 'id_ed25519.pub'),
    knownHosts: join(dir, 'known_hosts'),
    k8sToken: join(dir, 'k8s-token'),
    archiveKey: join(dir, 'lab-archive.asc'),
    recorder: join(dir, 'ovnkube-recorder'),
    hosts: join(dir, 'hosts'),
  };
}

/** The binary path ovnctl gives the uploaded ovnkube stand-in on each host. */
export const LAB_OVNKUBE_BINARY = '/usr/local/bin/ovnkube';

export function writeLabInventory(state: LabState): void {
  const f = labFiles(state.dir);
  const inventory = {
    ssh: { user: 'root', privateKey: f.privateKey, knownHosts: f.knownHosts, hostKeyChecking: 'strict' },
    cluster: { k8sToken: { file: f.k8sToken } },
    packages: {
      source: { url: state.mirror.url, key: f.archiveKey, suite: state.mirror.suite, components: ['main'] },
      datapath: 'kernel',
      ovsPython: 'apt',
    },
    ovs: { datapathType: 'netdev' },
    ovnkube: { binary: LAB_OVNKUBE_BINARY, upload: f.recorder },
    hosts: Object.fromEntries(state.hosts.map((h) => [h.name, { address: h.address, roles: h.roles }])),
  };
  const header =
    `# ovnctl lab '${state.name}': written by \`ovnctl lab up\`; \`ovnctl lab down --dir ${state.dir}\` removes it.\n` +
    `# Hosts are on ${state.bridge} (${state.subnet}); packages come from the lab's signed mirror.\n`;
  const doc = new Document(inventory);
  // One line per host, as in the SPEC's example: `m1: {address: 10.213.0.10, roles: [master]}`.
  for (const h of state.hosts) {
    const node = doc.getIn(['hosts', h.name], true);
    if (isCollection(node)) node.flow = true;
  }
  const components = doc.getIn(['packages', 'source', 'components'], true);
  if (isCollection(components)) components.flow = true;
  writeFileSync(f.inventory, header + doc.toString());
}

/** One line per host: "<address> ssh-ed25519 AAAA…" (port 22, so no [addr]:port form). */
export function writeKnownHosts(state: LabState): void {
  const lines = state.hosts
    .filter((h) => h.hostKey)
    .map((h) => {
      const [type, key] = (h.hostKey ?? '').split(/\s+/);
      return `${h.address} ${type} ${key}\n`;
    });
  writeFileSync(labFiles(state.dir).knownHosts, lines.join(''));
}
