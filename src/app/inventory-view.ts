// `ovnctl inventory` from the CLI's point of view: the resolved inventory as YAML or JSON, secrets
// masked; or, with convert, the inventory (an Ansible one, typically) in ovnctl's own YAML form.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { InputError } from '../errors.js';
import { inventoryWarnings } from '../inventory/checks.js';
import { toNativeYaml } from '../inventory/convert.js';
import { describeInventory } from '../inventory/mask.js';
import { selectHosts } from '../inventory/select.js';
import type { RoleGroups } from '../inventory/ansible-map.js';
import type { Role } from '../inventory/types.js';
import { withInventory } from './inventory.js';

export interface InventoryViewOptions {
  inventory: string;
  json: boolean;
  limit?: string;
  role?: Role;
  roleGroups?: RoleGroups;
}

/** The text `ovnctl inventory` prints. */
export async function showInventory(o: InventoryViewOptions): Promise<string> {
  return withInventory(
    o.inventory,
    async (inv) => {
      for (const w of inventoryWarnings(inv)) process.stderr.write(`ovnctl: warning: ${w}\n`);
      const view = describeInventory(inv) as unknown as Record<string, unknown>;
      if (o.limit !== undefined || o.role !== undefined) {
        const keep = new Set(selectHosts(inv, { limit: o.limit, role: o.role }).map((h) => h.name));
        const hosts = Object.entries(view.hosts as Record<string, unknown>).filter(([n]) => keep.has(n));
        view.hosts = Object.fromEntries(hosts);
      }
      return inv.secrets.mask(o.json ? JSON.stringify(view) + '\n' : stringify(view));
    },
    o.roleGroups,
  );
}

/** The inventory as native YAML, written to `output`, or returned when there is none. */
export async function convertInventory(o: {
  inventory: string;
  output?: string;
  roleGroups?: RoleGroups;
}): Promise<string | undefined> {
  const out = o.output;
  if (out !== undefined && path.resolve(out) === path.resolve(o.inventory)) {
    throw new InputError('--output names the inventory being converted; write to another file');
  }
  return withInventory(
    o.inventory,
    async (inv, { format, native }) => {
      const toDir = out !== undefined ? { toDir: path.dirname(path.resolve(out)) } : {};
      const text = inv.secrets.mask(toNativeYaml(native, { from: o.inventory, format, ...toDir }));
      if (out === undefined) return text;
      await writeOutput(out, text);
      return undefined;
    },
    o.roleGroups,
  );
}

async function writeOutput(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (e) {
    throw new InputError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
