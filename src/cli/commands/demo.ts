// ovnctl demo: the zero-setup way to see it work — lab up (1 master, 2 nodes), install, verify, and
// the SB database's `show` from the bootstrap master. The lab stays up afterwards so the user can look around.
import { existsSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { runOnHost } from '../../app/connect.js';
import { runPlaybookCommand } from '../../app/playbook-run.js';
import { loadInventory } from '../../inventory/load.js';
import { ctl, toolName } from '../../ovn/dbctl.js';
import { bootstrapMaster } from '../../ovn/topology.js';
import { parseOptions, withExtraVars } from '../options.js';
import { bundledPlaybook } from '../paths.js';

interface DemoArgs {
  json: boolean;
  verbose: boolean;
  color: boolean;
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe: 'lab up + install + verify on local test hosts (root, Linux): see a working OVN cluster',
  builder: (y) =>
    withExtraVars(
      y.option('json', { type: 'boolean', default: false, describe: 'NDJSON events of the install on stdout' }),
    ) as never,
  handler: async (argv) => {
    const { forks, extraVars } = parseOptions(argv);
    const say = (s: string) => process.stderr.write(s + '\n');
    const started = Date.now();
    const { DEFAULT_LAB_NAME, labStatus, labUp } = await import('../../lab/index.js');
    const existing = await labStatus({ name: DEFAULT_LAB_NAME });
    const inventory =
      existing.up && existing.inventory
        ? existing.inventory
        : (await labUp({ onProgress: (m) => say(`lab: ${m}`) })).inventory;
    say(existing.up ? `demo: reusing the lab that is up (${inventory})` : `demo: lab is up (${inventory})`);
    const { json, verbose, color } = argv;
    const common = { inventory, check: false, diff: false, forks, json, verbose, color, extraVars };
    say('demo: ovnctl install -i ' + inventory);
    const lock = { command: 'demo', timeoutS: 0 }; // the demo's install changes the lab's hosts: it holds their lock
    const install = await runPlaybookCommand({ ...common, playbook: bundledPlaybook('install'), lock });
    process.exitCode = install.code;
    if (install.code !== 0) return;
    if (existsSync(bundledPlaybook('verify'))) {
      say('demo: ovnctl verify -i ' + inventory);
      const verify = await runPlaybookCommand({ ...common, json: false, playbook: bundledPlaybook('verify') });
      process.exitCode = verify.code;
    }
    const inv = await loadInventory(inventory);
    const master = bootstrapMaster(inv);
    const cmd = ctl('sb', ['show']);
    const show = await runOnHost(inv, master, cmd.script);
    say(`\ndemo: ${toolName('sb')} show on ${master.name}:`);
    // The cluster itself is the demo's result: stdout, unless stdout carries --json events.
    (argv.json ? process.stderr : process.stdout).write(show.stdout + show.stderr);
    say(`\ndemo: done in ${((Date.now() - started) / 1000).toFixed(1)}s. The lab stays up:`);
    say(`  ovnctl lab status                    its hosts`);
    say(`  ovnctl verify -i ${inventory}`);
    say(`  ovnctl lab down                      remove it`);
  },
};
