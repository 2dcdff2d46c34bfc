// Placeholder replaced when the lab lands.
import type { CommandModule } from 'yargs';
export const demoCommand: CommandModule = { command: 'demo', describe: 'lab up + install + verify', handler: () => undefined };
