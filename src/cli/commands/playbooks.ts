// install, uninstall, verify, gre-mesh and run: every one is a playbook run with the common options.
import { basename } from 'node:path';
import type { CommandModule } from 'yargs';
import { runPlaybookCommand } from '../../app/playbook-run.js';
import { parseOptions, withLockTimeout, withRunOptions, type CommonArgs } from '../options.js';
import { bundledPlaybook } from '../paths.js';

export async function runFromArgs(
  argv: CommonArgs,
  playbook: string,
  vars: Record<string, unknown> = {},
  inventoryWarnings = false,
  installsFrom?: string,
  /** The run changes hosts: it holds their run lock, named by this command. */
  lockAs?: string,
): Promise<number> {
  const { extraVars, lockTimeout, ...opts } = parseOptions(argv);
  const { code } = await runPlaybookCommand({
    ...opts,
    inventory: argv.inventory,
    playbook,
    check: argv.check,
    diff: argv.diff,
    json: argv.json,
    verbose: argv.verbose,
    color: argv.color,
    extraVars: { ...extraVars, ...vars },
    inventoryWarnings,
    installsFrom,
    ...(lockAs ? { lock: { command: lockAs, timeoutS: lockTimeout } } : {}),
  });
  return code;
}

/** The bundled playbooks that only read: no run lock, no --lock-timeout. */
const READ_ONLY = new Set(['verify', 'preflight']);

/** `var`: the extra var's name when it is not the flag's (a var name has no `-`). */
type Flag = { name: string; describe: string; var?: string };

/** `flag`: a boolean option passed to the playbook as the extra var of the same name when given. */
function bundled(name: string, command: string, describe: string, flag?: Flag): CommandModule<object, CommonArgs> {
  return {
    command,
    describe,
    builder: (y) => {
      const run = READ_ONLY.has(name) ? withRunOptions(y) : withLockTimeout(withRunOptions(y));
      if (!flag) return run as never;
      return run.option(flag.name, { type: 'boolean', default: false, describe: flag.describe }) as never;
    },
    handler: async (argv) => {
      const on = flag && (argv as unknown as Record<string, unknown>)[flag.name] === true;
      // install says what is unwise in the inventory (an even number of masters) before it starts.
      const vars = on ? { [flag.var ?? flag.name]: true } : {};
      // preflight alone checks for what install would put on the hosts.
      const installsFrom = name === 'preflight' ? bundledPlaybook('install') : undefined;
      const lockAs = READ_ONLY.has(name) ? undefined : name;
      process.exitCode = await runFromArgs(argv, bundledPlaybook(name), vars, name === 'install', installsFrom, lockAs);
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: yargs types each command by its own args; the list holds all of them
export const playbookCommands: CommandModule<any, any>[] = [
  bundled('install', 'install', 'install OVN/OVS for Kubernetes (playbooks/install.yaml)'),
  bundled('uninstall', 'uninstall', 'stop and remove what install made', {
    name: 'purge',
    describe: 'also purge the OVS/OVN packages and their configuration',
  }),
  bundled('verify', 'verify', 'read-only health check; exit 0 only when healthy', {
    name: 'smoke',
    describe: "also run the guide's CNI ADD then DEL for real (logical port bound on every node)",
  }),
  bundled('gre-mesh', 'gre-mesh', 'the OVS GRE overlay of the second guide'),
  bundled('preflight', 'preflight', 'read-only: what would make install fail on each host; exit 0 only when none', {
    name: 'from-hosts',
    var: 'fromHosts',
    describe: 'read the package sources from each host, not from the machine running ovnctl',
  }),
  {
    command: 'run <playbook>',
    describe: 'run any playbook file',
    builder: (y) =>
      withLockTimeout(withRunOptions(y.positional('playbook', { type: 'string', demandOption: true }))) as never,
    handler: async (argv) => {
      // Any playbook may change hosts: it holds the run lock unless --check.
      const file = String(argv.playbook);
      const lockAs = `run ${basename(file)}`;
      process.exitCode = await runFromArgs(argv as unknown as CommonArgs, file, {}, false, undefined, lockAs);
    },
  },
];
