// install, uninstall, verify, gre-mesh and run: every one is a playbook run with the common options.
import type { CommandModule } from 'yargs';
import { runPlaybookCommand } from '../../app/playbook-run.js';
import { parseExtraVars, splitList, validateForks, withRunOptions, type CommonArgs } from '../options.js';
import { bundledPlaybook } from '../paths.js';

export async function runFromArgs(argv: CommonArgs, playbook: string): Promise<number> {
  const { code } = await runPlaybookCommand({
    inventory: argv.inventory,
    playbook,
    limit: argv.limit,
    role: argv.role,
    tags: splitList(argv.tags),
    skipTags: splitList(argv['skip-tags']),
    check: argv.check,
    diff: argv.diff,
    forks: validateForks(argv.forks),
    json: argv.json,
    verbose: argv.verbose,
    color: argv.color,
    logFile: argv['log-file'],
    extraVars: parseExtraVars(argv['extra-vars']),
  });
  return code;
}

function bundled(name: string, command: string, describe: string): CommandModule<object, CommonArgs> {
  return {
    command,
    describe,
    builder: (y) => withRunOptions(y) as never,
    handler: async (argv) => {
      process.exitCode = await runFromArgs(argv, bundledPlaybook(name));
    },
  };
}

export const playbookCommands: CommandModule<any, any>[] = [
  bundled('install', 'install', 'install OVN/OVS for Kubernetes (playbooks/install.yaml)'),
  bundled('uninstall', 'uninstall', 'stop and remove what install made'),
  bundled('verify', 'verify', 'read-only health check; exit 0 only when healthy'),
  bundled('gre-mesh', 'gre-mesh', 'the OVS GRE overlay of the second guide'),
  {
    command: 'run <playbook>',
    describe: 'run any playbook file',
    builder: (y) => withRunOptions(y.positional('playbook', { type: 'string', demandOption: true })) as never,
    handler: async (argv) => {
      process.exitCode = await runFromArgs(argv as unknown as CommonArgs, String(argv.playbook));
    },
  },
];
