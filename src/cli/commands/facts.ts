// ovnctl facts: what ovnctl reads from each host, in one round trip per host.
import type { CommandModule } from 'yargs';
import { stringify } from 'yaml';
import { SshConnection } from '../../connection/ssh.js';
import { ExitCode } from '../../errors.js';
import { debPackages } from '../../facts/apt.js';
import { gatherFacts } from '../../facts/gather.js';
import { osRelease, systemdRunning } from '../../facts/os.js';
import { ovnCtlPath, ovnDbConnection } from '../../facts/ovn.js';
import { ovsBridges, ovsExternalIds } from '../../facts/ovs.js';
import { DAEMON_PIDFILES, daemonsRunning, processesOf } from '../../facts/process.js';
import { loadInventory } from '../../inventory/load.js';
import { selectHosts } from '../../inventory/select.js';
import { maskSecrets } from '../../shell/secret.js';
import { mapLimit } from '../../util/concurrency.js';
import { withInventory } from '../options.js';

const PACKAGES = ['openvswitch-switch', 'openvswitch-common', 'ovn-central', 'ovn-host', 'ovn-common', 'python3-openvswitch'];

export const factsCommand: CommandModule<object, { inventory: string; json: boolean; limit?: string; forks: number }> = {
  command: 'facts',
  describe: 'show what ovnctl reads from each host',
  builder: (y) =>
    withInventory(y)
      .option('json', { type: 'boolean', default: false })
      .option('limit', { alias: 'l', type: 'string' })
      .option('forks', { alias: 'f', type: 'number', default: 50 }) as never,
  handler: async (argv) => {
    const inv = await loadInventory(argv.inventory);
    const hosts = selectHosts(inv, { limit: argv.limit });
    const facts = [osRelease, systemdRunning, debPackages(PACKAGES), ovnCtlPath, ovsExternalIds, ovsBridges, ovnDbConnection('nb'), ovnDbConnection('sb'), daemonsRunning(Object.keys(DAEMON_PIDFILES)), processesOf(inv.ovnkube.binary)];
    const out: Record<string, unknown> = {};
    let code: number = ExitCode.ok;
    await mapLimit(hosts, argv.forks, async (h) => {
      const conn = new SshConnection(h);
      try {
        await conn.connect();
        const values = await gatherFacts(conn, facts);
        out[h.name] = Object.fromEntries(values);
      } catch (e) {
        out[h.name] = { error: (e as Error).message };
        code = ExitCode.unreachable;
      } finally {
        await conn.close().catch(() => undefined);
      }
    });
    const ordered = Object.fromEntries(hosts.map((h) => [h.name, out[h.name]]));
    const secrets = inv.cluster.k8sToken ? [inv.cluster.k8sToken] : [];
    const text = argv.json ? JSON.stringify(ordered) + '\n' : stringify(ordered);
    process.stdout.write(maskSecrets(text, secrets));
    process.exitCode = code;
  },
};
