// ovnctl inventory: the resolved hosts, groups and settings, with secrets masked; or, with --convert,
// the inventory (an Ansible one, typically) in ovnctl's own YAML form. The work: app/inventory-view.ts.
import type { CommandModule } from 'yargs';
import { convertInventory, showInventory } from '../../app/inventory-view.js';
import { InputError } from '../../errors.js';
import { parseOptions, withInventory } from '../options.js';

interface Args {
  inventory: string;
  json: boolean;
  limit?: string;
  convert: boolean;
  output?: string;
  'masters-group'?: string;
  'nodes-group'?: string;
}

export const inventoryCommand: CommandModule<object, Args> = {
  command: 'inventory',
  describe: 'show the resolved hosts, groups and settings (secrets masked), or --convert to native YAML',
  builder: (y) =>
    withInventory(y)
      .option('json', { type: 'boolean', default: false, describe: 'the resolved inventory as one JSON object' })
      .option('limit', { alias: 'l', type: 'string', describe: 'only these hosts (a --limit pattern, as for install)' })
      .option('convert', {
        type: 'boolean',
        default: false,
        describe: 'write the inventory (e.g. an Ansible one) as an ovnctl YAML inventory',
      })
      .option('output', {
        alias: 'o',
        type: 'string',
        describe: 'with --convert: the file to write (default: stdout)',
      }) as never,
  handler: async (argv) => {
    const { limit, roleGroups } = parseOptions(argv);
    // By hand: yargs' conflicts() counts an option's default as given.
    if (argv.output !== undefined && !argv.convert) throw new InputError('--output goes with --convert');
    if (argv.convert && (argv.json || limit !== undefined)) {
      throw new InputError('--convert writes the whole inventory as YAML: leave out --json and --limit');
    }
    if (Array.isArray(argv.output)) throw new InputError('--output is given more than once');
    const text = argv.convert
      ? await convertInventory({ inventory: argv.inventory, output: argv.output, roleGroups })
      : await showInventory({ inventory: argv.inventory, json: argv.json, limit, roleGroups });
    if (text !== undefined) process.stdout.write(text);
  },
};
