// ovnctl report: one self-contained HTML page (or --json) of the cluster: hosts, chassis, tunnels, the
// NB/SB databases and every failed verify check (the work: app/report.ts).
import type { CommandModule } from 'yargs';
import { reportCommand } from '../../app/report.js';
import { InputError } from '../../errors.js';
import { parseOptions, withHostOptions, type CommonArgs } from '../options.js';
import { bundledPlaybook } from '../paths.js';

type Args = Pick<CommonArgs, 'inventory' | 'limit' | 'role' | 'forks' | 'json' | 'masters-group' | 'nodes-group'> & {
  output?: string;
};

export const reportCommandModule: CommandModule<object, Args> = {
  command: 'report',
  describe: 'read every host (read-only) and write one HTML page of the cluster and its health',
  builder: (y) =>
    withHostOptions(y)
      .option('output', {
        alias: 'o',
        type: 'string',
        describe: 'the HTML file to write (default report.html; with --json only when given)',
      })
      .option('json', { type: 'boolean', default: false, describe: "the report's data as one JSON object" }) as never,
  handler: async (argv) => {
    const { limit, role, forks, roleGroups } = parseOptions(argv);
    if (Array.isArray(argv.output)) throw new InputError('--output is given more than once');
    const output = argv.output ?? (argv.json ? undefined : 'report.html');
    const { code, text } = await reportCommand({
      inventory: argv.inventory,
      verifyPlaybook: bundledPlaybook('verify'),
      limit,
      role,
      forks,
      output,
      json: argv.json,
      roleGroups,
    });
    process.stdout.write(text);
    process.exitCode = code;
  },
};
