import type { CommandModule } from 'yargs';
import { inventorySchemaText } from '../../inventory/schema.js';

export const schemaCommand: CommandModule = {
  command: 'schema',
  describe: 'print the JSON Schema of the inventory (for editors: yaml-language-server)',
  handler: () => {
    process.stdout.write(inventorySchemaText());
  },
};
