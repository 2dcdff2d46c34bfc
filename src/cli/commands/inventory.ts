// ovnctl inventory: the resolved hosts, groups and settings, with secrets masked.
import type { CommandModule } from 'yargs';
import { loadInventory } from '../../inventory/load.js';
import { describeInventory } from '../../inventory/mask.js';
import { selectHosts } from '../../inventory/select.js';
import { withInventory } from '../options.js';

export const inventoryCommand: CommandModule<object, { inventory: string; json: boolean; limit?: string }> = {
  command: 'inventory',
  describe: 'show the resolved hosts, groups and settings (secrets masked)',
  builder: (y) =>
    withInventory(y)
      .option('json', { type: 'boolean', default: false })
      .option('limit', { alias: 'l', type: 'string' }) as never,
  handler: async (argv) => {
    const inv = await loadInventory(argv.inventory);
    const view = describeInventory(inv) as unknown as Record<string, unknown>;
    if (argv.limit) {
      const keep = new Set(selectHosts(inv, { limit: argv.limit }).map((h) => h.name));
      view.hosts = Object.fromEntries(Object.entries(view.hosts as Record<string, unknown>).filter(([n]) => keep.has(n)));
    }
    if (argv.json) {
      process.stdout.write(JSON.stringify(view) + '\n');
      return;
    }
    const { stringify } = await import('yaml');
    process.stdout.write(stringify(view));
  },
};
