// `ovnctl lab up|down|status|add-host`: real Debian hosts on this machine (root, Linux). See src/lab/.
import type { Argv, CommandModule } from 'yargs';
import type { Lab, LabHostStatus, LabRole } from '../../lab/index.js';
import { DEFAULT_LAB_NAME } from '../../lab/lab-names.js';

// The lab's code is loaded only when a lab command runs: the other commands start faster without it.
const lab = () => import('../../lab/index.js');

interface WhereArgs {
  dir?: string;
  name: string;
}

const where = <T>(y: Argv<T>) =>
  y
    .option('name', {
      type: 'string',
      default: DEFAULT_LAB_NAME,
      describe: 'lab name: sets the bridge (ovn<name>0), netns names (ovn<name>-<host>), subnet and default --dir',
    })
    .option('dir', {
      type: 'string',
      describe: 'lab directory (state, keys, inventory); default /var/lib/ovnctl/lab or /var/lib/ovnctl/lab-<name>',
    });

/** `--name x` (not the default) must be repeated on later lab commands: say so in hints. */
function nameFlag(a: WhereArgs): string {
  return `${a.name !== DEFAULT_LAB_NAME ? ` --name ${a.name}` : ''}${a.dir ? ` --dir ${a.dir}` : ''}`;
}

const up: CommandModule<object, WhereArgs & { masters: number; nodes: number; subnet?: string }> = {
  command: 'up',
  describe: 'bring up lab hosts (m1.., n1..) and write an inventory for them',
  builder: (y) =>
    where(y)
      .option('masters', { type: 'number', default: 1, describe: 'number of masters' })
      .option('nodes', { type: 'number', default: 2, describe: 'number of nodes' })
      .option('subnet', { type: 'string', describe: 'lab IPv4 /24 (default 10.213.0.0/24, or a free 10.213.x.0/24)' }),
  handler: async (a) => {
    const started = Date.now();
    const { labUp } = await lab();
    const created = await labUp({
      masters: a.masters,
      nodes: a.nodes,
      name: a.name,
      dir: a.dir,
      subnet: a.subnet,
      onProgress: (m) => process.stderr.write(`lab: ${m}\n`),
    });
    process.stdout.write(describeUp(created, Date.now() - started, nameFlag(a)));
  },
};

const down: CommandModule<object, WhereArgs> = {
  command: 'down',
  describe: 'remove every process, mount, namespace, link and file of the lab',
  builder: (y) => where(y),
  handler: async (a) => {
    const { labDown } = await lab();
    const r = await labDown({ name: a.name, dir: a.dir });
    process.stdout.write(
      r.found ? `lab '${r.name ?? a.name}' is down; ${r.dir} cleaned\n` : `no lab in ${r.dir}: nothing to do\n`,
    );
  },
};

const status: CommandModule<object, WhereArgs & { json?: boolean }> = {
  command: 'status',
  describe: 'list the lab hosts and whether they run',
  builder: (y) => where(y).option('json', { type: 'boolean', describe: 'print the status as JSON' }),
  handler: async (a) => {
    const { labStatus } = await lab();
    const s = await labStatus({ name: a.name, dir: a.dir });
    if (a.json) {
      process.stdout.write(JSON.stringify(s) + '\n');
      return;
    }
    if (!s.exists) {
      process.stdout.write(`no lab in ${s.dir} (ovnctl lab up${nameFlag(a)})\n`);
      return;
    }
    const state = s.up ? 'up' : 'DEGRADED (run ovnctl lab down, then up)';
    process.stdout.write(
      `lab '${s.name}' in ${s.dir}: ${state}\n` +
        hostTable(s.hosts) +
        `mirror     ${s.mirrorUrl} (${s.mirrorAlive ? 'serving' : 'not running'})\n` +
        `inventory  ${s.inventory}\n`,
    );
  },
};

const addHost: CommandModule<object, WhereArgs & { role: string; host?: string }> = {
  command: 'add-host',
  describe: 'add one more host to a running lab (and to its inventory)',
  builder: (y) =>
    where(y)
      .option('role', { choices: ['master', 'node'], default: 'node', describe: 'the new host’s role' })
      .option('host', { type: 'string', describe: 'the new host’s name (default: next m<k> or n<k>)' }),
  handler: async (a) => {
    const { labAddHost, labStatus } = await lab();
    const address = await labAddHost({ lab: a.name, dir: a.dir, role: a.role as LabRole, name: a.host });
    const s = await labStatus({ name: a.name, dir: a.dir });
    const h = s.hosts.find((x) => x.address === address);
    process.stdout.write(`added ${h?.name ?? 'host'} (${address}); inventory ${s.inventory}\n`);
  },
};

export const labCommand: CommandModule = {
  command: 'lab <command>',
  describe: 'local test hosts: real Debian hosts in namespaces on this machine (root, Linux)',
  builder: (y) =>
    y
      .command(up as unknown as CommandModule)
      .command(down as unknown as CommandModule)
      .command(status as unknown as CommandModule)
      .command(addHost as unknown as CommandModule)
      .demandCommand(1, 'lab: give up, down, status or add-host'),
  handler: () => undefined,
};

function describeUp(lab: Lab, ms: number, flags: string): string {
  return (
    `lab '${lab.name}' is up in ${(ms / 1000).toFixed(1)}s: ` +
    `${lab.hosts.length} hosts on ${lab.bridge} (${lab.subnet})\n` +
    hostTable(lab.hosts) +
    `mirror     ${lab.mirrorUrl}\n` +
    `inventory  ${lab.inventory}\n` +
    `next       ovnctl install -i ${lab.inventory}\n` +
    `remove     ovnctl lab down${flags}\n`
  );
}

function hostTable(hosts: readonly (Omit<LabHostStatus, 'alive'> & { alive?: boolean })[]): string {
  return hosts
    .map(
      (h) =>
        `  ${h.name.padEnd(6)} ${h.address.padEnd(15)} ${h.roles.join(',').padEnd(7)}` +
        (h.alive === undefined ? '' : h.alive ? ` running (pid ${h.pid})` : ' NOT RUNNING') +
        '\n',
    )
    .join('');
}
