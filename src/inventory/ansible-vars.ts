// The variables an Ansible inventory may set for ovnctl: Ansible's own connection variables (with their
// older spellings), those ovnctl refuses, and ovnctl_<section>_<key> for its native settings.
import type * as z from 'zod';
import { InventorySchema } from './schema.js';

/** Sections set only for the whole cluster, from `all` vars. */
const CLUSTER_SECTIONS = ['cluster', 'packages', 'ovs', 'ovnkube', 'greMesh'] as const;
/** ssh keys Ansible has its own variables for. */
const ANSIBLE_SSH_KEYS = new Set(['user', 'port', 'privateKey']);

/** Older or alternative spellings → the one name the mapping reads. */
export const ALIASES: Record<string, string> = {
  ansible_ssh_host: 'ansible_host',
  ansible_ssh_user: 'ansible_user',
  ansible_ssh_port: 'ansible_port',
  ansible_private_key_file: 'ansible_ssh_private_key_file',
  ansible_ssh_host_key_checking: 'ansible_host_key_checking',
};
export const PASSWORDS = new Set([
  'ansible_password',
  'ansible_ssh_pass',
  'ansible_ssh_password',
  'ansible_become_password',
  'ansible_become_pass',
  'ansible_sudo_pass',
  'ansible_sudo_password',
]);
export const SSH_ARGS = ['ansible_ssh_common_args', 'ansible_ssh_extra_args', 'ansible_ssh_args'];
export const SSH_CONNECTIONS = new Set(['ssh', 'smart', 'paramiko']);

export interface Setting {
  section: string;
  key: string;
  boolean: boolean;
  clusterWide: boolean;
}

/** ovnctl_<section>_<key> for every key of the native schema's sections, so the two cannot drift apart. */
export const OVNCTL_VARS: ReadonlyMap<string, Setting> = (() => {
  const table = new Map<string, Setting>();
  for (const section of [...CLUSTER_SECTIONS, 'ssh'] as const) {
    const shape = defOf(InventorySchema.shape[section]).shape as Record<string, z.core.$ZodType>;
    for (const [key, schema] of Object.entries(shape)) {
      if (section === 'ssh' && ANSIBLE_SSH_KEYS.has(key)) continue;
      const boolean = defOf(schema).type === 'boolean';
      table.set(`ovnctl_${snake(section)}_${snake(key)}`, { section, key, boolean, clusterWide: section !== 'ssh' });
    }
  }
  table.set('ovnctl_encap_ip', { section: 'host', key: 'encapIp', boolean: false, clusterWide: false });
  return table;
})();

function snake(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function defOf(schema: z.core.$ZodType): { type: string; shape?: unknown; innerType?: z.core.$ZodType } {
  let def = schema._zod.def as unknown as { type: string; innerType?: z.core.$ZodType; shape?: unknown };
  while (def.innerType && ['optional', 'default', 'prefault', 'nullable'].includes(def.type)) {
    def = def.innerType._zod.def as unknown as typeof def;
  }
  return def;
}

/** The closest name within a few edits, for "did you mean". */
export function nearest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = 4;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDist) [best, bestDist] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
