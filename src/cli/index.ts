// The CLI entry: yargs commands, and the ONE catch that turns errors into messages and exit codes.
import yargs from 'yargs';
import { ExitCode, InputError, OvnctlError } from '../errors.js';
import { factsCommand } from './commands/facts.js';
import { inventoryCommand } from './commands/inventory.js';
import { labCommand } from './commands/lab.js';
import { demoCommand } from './commands/demo.js';
import { playbookCommands } from './commands/playbooks.js';
import { schemaCommand } from './commands/schema.js';
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
      .command(labCommand)
      .command(demoCommand)
      .command(schemaCommand)
      .completion('completion', 'print a bash/zsh completion script')
      .option('verbose', { alias: 'v', type: 'boolean', default: false, global: true, describe: 'more output (and stack traces)' })
      .option('color', { type: 'boolean', default: true, global: true, describe: 'colors on a terminal (--no-color, or NO_COLOR)' })
      .demandCommand(1, 'name a command (ovnctl --help lists them)')
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

function report(e: unknown, verbose: boolean): number {
  if (e instanceof OvnctlError) {
    process.stderr.write(`ovnctl: ${e.message}\n`);
    if (verbose && e.stack) process.stderr.write(e.stack + '\n');
    return e.exitCode;
  }
  process.stderr.write(`ovnctl: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  if (e instanceof Error && e.stack) process.stderr.write((verbose ? e.stack : 'run again with -v for the stack trace') + '\n');
  return ExitCode.internal;
}
