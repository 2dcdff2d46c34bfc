// `ovnctl lab up|down|status|add-host|stop-host|start-host`: real Debian hosts on this machine (root,
// Linux). See src/lab/.
import type { Argv, CommandModule } from 'yargs';
import type { Lab, LabHost, LabHostStatus, LabRole } from '../../lab/index.js';
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
    const stopped = s.hosts.filter((h) => h.state === 'stopped').map((h) => h.name);
    const degraded = !s.mirrorAlive || s.hosts.some((h) => h.state === 'dead');
    const state = degraded
      ? 'DEGRADED (run ovnctl lab down, then up)'
      : stopped.length > 0
        ? `up, ${stopped.join(', ')} stopped (ovnctl lab start-host ${stopped[0]}${nameFlag(a)})`
        : 'up';
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

const hostArg = <T>(y: Argv<T>) =>
  where(y).positional('host', { type: 'string', demandOption: true, describe: 'the lab host (m1, n2, ...)' });

const stopHost: CommandModule<object, WhereArgs & { host: string }> = {
  command: 'stop-host <host>',
  describe: 'stop one lab host as if it lost power: its processes and network go, its disk stays',
  builder: (y) => hostArg(y),
  handler: async (a) => {
    const { labStopHost } = await lab();
    const r = await labStopHost({ name: a.name, dir: a.dir, host: a.host });
    process.stdout.write(
      r.changed
        ? `stopped ${r.host} (${r.address}) in ${r.durationMs} ms: no process of it runs, it answers nothing; ` +
            `its disk is kept (ovnctl lab start-host ${r.host}${nameFlag(a)} boots it)\n`
        : `${r.host} (${r.address}) is already stopped\n`,
    );
  },
};

const startHost: CommandModule<object, WhereArgs & { host: string }> = {
  command: 'start-host <host>',
  describe: 'boot a stopped lab host again: same address, disk and host key; only its sshd starts',
  builder: (y) => hostArg(y),
  handler: async (a) => {
    const { labStartHost } = await lab();
    const r = await labStartHost({ name: a.name, dir: a.dir, host: a.host });
    process.stdout.write(
      r.changed
        ? `started ${r.host} (${r.address}) in ${r.durationMs} ms: its sshd answers; ` +
            `no other daemon runs (ovnctl install starts them)\n`
        : `${r.host} (${r.address}) is already running\n`,
    );
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
      .command(stopHost as unknown as CommandModule)
      .command(startHost as unknown as CommandModule)
      .demandCommand(1, 'lab: give up, down, status, add-host, stop-host or start-host'),
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

function hostTable(hosts: readonly (LabHost & Partial<LabHostStatus>)[]): string {
  const states = { running: ' running', stopped: ' stopped (disk kept)', dead: ' NOT RUNNING' };
  return hosts
    .map(
      (h) =>
        `  ${h.name.padEnd(6)} ${h.address.padEnd(15)} ${h.roles.join(',').padEnd(7)}` +
        (h.state === undefined ? '' : states[h.state] + (h.state === 'running' ? ` (pid ${h.pid})` : '')) +
        '\n',
    )
    .join('');
}
