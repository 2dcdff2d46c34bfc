// ovnctl inventory: the resolved hosts, groups and settings, with secrets masked; or, with --convert,
// the inventory (an Ansible one, typically) written in ovnctl's own YAML form.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { stringify } from 'yaml';
import { InputError } from '../../errors.js';
import { toNativeYaml } from '../../inventory/convert.js';
import { loadInventoryForm } from '../../inventory/load.js';
import { describeInventory } from '../../inventory/mask.js';
import { selectHosts } from '../../inventory/select.js';
import { withInventory } from '../options.js';

interface Args {
  inventory: string;
  json: boolean;
  limit?: string;
  convert: boolean;
  output?: string;
}

export const inventoryCommand: CommandModule<object, Args> = {
  command: 'inventory',
  describe: 'show the resolved hosts, groups and settings (secrets masked), or --convert to native YAML',
  builder: (y) =>
    withInventory(y)
      .option('json', { type: 'boolean', default: false, describe: 'the resolved inventory as one JSON object' })
      .option('limit', { alias: 'l', type: 'string', describe: 'only these hosts (a --limit pattern, as for install)' })
      .option('convert', { type: 'boolean', default: false, describe: 'write the inventory (e.g. an Ansible one) as an ovnctl YAML inventory' })
      .option('output', { alias: 'o', type: 'string', describe: 'with --convert: the file to write (default: stdout)' }) as never,
  handler: async (argv) => {
    // By hand: yargs' conflicts() counts an option's default as given.
    if (argv.output !== undefined && !argv.convert) throw new InputError('--output goes with --convert');
    if (argv.convert && (argv.json || argv.limit)) throw new InputError('--convert writes the whole inventory as YAML: leave out --json and --limit');
    const { inventory: inv, format, native } = await loadInventoryForm(argv.inventory);
    if (argv.convert) {
      const out = argv.output;
      if (out !== undefined && path.resolve(out) === path.resolve(argv.inventory)) {
        throw new InputError('--output names the inventory being converted; write to another file');
      }
      const text = toNativeYaml(native, { from: argv.inventory, format, ...(out !== undefined ? { toDir: path.dirname(path.resolve(out)) } : {}) });
      if (out === undefined) process.stdout.write(text);
      else await writeOutput(out, text);
      return;
    }
    const view = describeInventory(inv) as unknown as Record<string, unknown>;
    if (argv.limit) {
      const keep = new Set(selectHosts(inv, { limit: argv.limit }).map((h) => h.name));
      view.hosts = Object.fromEntries(Object.entries(view.hosts as Record<string, unknown>).filter(([n]) => keep.has(n)));
    }
    if (argv.json) {
      process.stdout.write(JSON.stringify(view) + '\n');
      return;
    }
    process.stdout.write(stringify(view));
  },
};

async function writeOutput(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (e) {
    throw new InputError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
