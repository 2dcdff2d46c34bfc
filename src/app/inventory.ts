// Loading the inventory for a command, and the rule that goes with it: whatever the command then
// throws reaches the CLI's one catch with the inventory's secrets masked (it prints the message, and
// with -v the stack). Loading itself never puts a secret's value in an error (inventory/local-files).
import type { RoleGroups } from '../inventory/ansible-map.js';
import { loadInventoryForm, type LoadedInventory } from '../inventory/load.js';
import type { Inventory } from '../inventory/types.js';

export async function withInventory<T>(
  file: string,
  fn: (inv: Inventory, loaded: LoadedInventory) => Promise<T>,
  roleGroups: RoleGroups = {},
): Promise<T> {
  const loaded = await loadInventoryForm(file, { roleGroups });
  // Not errors, but never silent: an Ansible inventory's hosts that are left out of the cluster.
  for (const notice of loaded.notices) process.stderr.write(`ovnctl: ${notice}\n`);
  try {
    return await fn(loaded.inventory, loaded);
  } catch (e) {
    throw loaded.inventory.secrets.maskError(e);
  }
}
