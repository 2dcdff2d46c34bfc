// The CLI entry: yargs commands, the ONE check of the shared options (before any handler runs), and the
// ONE catch that turns errors into messages and exit codes.
// First: zod's settings hold for the schemas the other imports build.
import '../zod-setup.js';
import yargs from 'yargs';
import { ExitCode, InputError, OvnctlError } from '../errors.js';
import { factsCommand } from './commands/facts.js';
import { inventoryCommand } from './commands/inventory.js';
import { labCommand } from './commands/lab.js';
import { demoCommand } from './commands/demo.js';
import { playbookCommands } from './commands/playbooks.js';
import { reportCommandModule } from './commands/report.js';
import { schemaCommand } from './commands/schema.js';
import { parseOptions, type OptionArgs } from './options.js';
import { packageVersion } from './paths.js';

export async function main(args: string[]): Promise<void> {
  const verbose = args.includes('-v') || args.includes('--verbose');
  try {
    await yargs(args)
      .scriptName('ovnctl')
      .wrap(Math.min(110, process.stdout.columns || 100))
      .usage('$0 <command> [options]\n\nInstalls OVN/Open vSwitch for Kubernetes on Linux hosts over SSH.')
      .command(playbookCommands)
      .command(inventoryCommand)
      .command(factsCommand)
      .command(reportCommandModule)
      .command(labCommand)
      .command(demoCommand)
      .command(schemaCommand)
      .completion('completion', 'print a bash/zsh completion script')
      .option('verbose', {
        alias: 'v',
        type: 'boolean',
        default: false,
        global: true,
        describe: 'more output (and stack traces)',
      })
      .option('color', {
        type: 'boolean',
        default: true,
        global: true,
        describe: 'colors on a terminal (--no-color, or NO_COLOR)',
      })
      .demandCommand(1, 'name a command (ovnctl --help lists them)')
      // Every command, whichever shared options it takes: a bad value is exit 5 before its handler runs.
      .check((argv) => Boolean(parseOptions(argv as OptionArgs)), true)
      .strict()
      .recommendCommands()
      .fail((msg, err) => {
        throw err ?? new InputError(msg);
      })
      .exitProcess(false)
      .help()
      .version(packageVersion())
      .parseAsync();
  } catch (e) {
    process.exitCode = report(e, verbose);
  }
}

/**
 * Prints an error. Its message and stack carry no secret: loading an inventory never puts one in an error,
 * and whatever a command throws after that is masked with the inventory's registry (app/inventory.ts).
 */
function report(e: unknown, verbose: boolean): number {
  if (e instanceof OvnctlError) {
    process.stderr.write(`ovnctl: ${e.message}\n`);
    if (verbose && e.stack) process.stderr.write(e.stack + '\n');
    return e.exitCode;
  }
  process.stderr.write(`ovnctl: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  if (e instanceof Error && e.stack) {
    process.stderr.write((verbose ? e.stack : 'run again with -v for the stack trace') + '\n');
  }
  return ExitCode.internal;
}
