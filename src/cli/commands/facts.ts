// ovnctl facts: what ovnctl reads from each host, in one round trip per host (the work: app/facts.ts).
import type { CommandModule } from 'yargs';
import { gatherFactsCommand } from '../../app/facts.js';
import { debPackages } from '../../facts/apt.js';
import { osRelease, systemdRunning } from '../../facts/os.js';
import { ovnCtlPath, ovnDbConnection } from '../../facts/ovn.js';
import { ovsBridges, ovsExternalIds } from '../../facts/ovs.js';
import { daemonsRunning, processesOf } from '../../facts/process.js';
import { DAEMON_NAMES } from '../../ovn/daemons.js';
import { OVN_PACKAGES } from '../../ovn/packages.js';
import type { Inventory } from '../../inventory/types.js';
import { parseOptions, withHostOptions, type CommonArgs } from '../options.js';

const factsOf = (inv: Inventory) => [
  osRelease,
  systemdRunning,
  debPackages(OVN_PACKAGES),
  ovnCtlPath,
  ovsExternalIds,
  ovsBridges,
  ovnDbConnection('nb'),
  ovnDbConnection('sb'),
  daemonsRunning(DAEMON_NAMES),
  processesOf(inv.ovnkube.binary),
];

type Args = Pick<CommonArgs, 'inventory' | 'limit' | 'role' | 'forks' | 'json' | 'masters-group' | 'nodes-group'>;

export const factsCommand: CommandModule<object, Args> = {
  command: 'facts',
  describe: 'show what ovnctl reads from each host',
  builder: (y) =>
    withHostOptions(y).option('json', { type: 'boolean', default: false, describe: 'one JSON object' }) as never,
  handler: async (argv) => {
    const { limit, role, forks, roleGroups } = parseOptions(argv);
    const { json, inventory } = argv;
    const { code, text } = await gatherFactsCommand({
      inventory,
      limit,
      role,
      forks,
      json,
      roleGroups,
      facts: factsOf,
    });
    process.stdout.write(text);
    process.exitCode = code;
  },
};
