// The options the commands share (SPEC "CLI"), and the ONE helper that checks and converts them
// (parseOptions): every command's handler calls it, and index.ts runs it before any handler, so a bad
// option is an InputError (exit 5) whichever command it is given to.
import type { Argv } from 'yargs';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../errors.js';
import type { RoleGroups } from '../inventory/ansible-map.js';
import type { Role } from '../inventory/types.js';

export const DEFAULT_FORKS = 50;

export function withInventory<T>(y: Argv<T>) {
  return y
    .option('inventory', {
      alias: 'i',
      type: 'string',
      demandOption: true,
      describe: 'inventory file (YAML, or an Ansible INI/YAML inventory)',
    })
    .option('masters-group', {
      type: 'string',
      describe:
        "Ansible inventory: the group whose hosts are masters (default: masters), e.g. kubespray's kube_control_plane",
    })
    .option('nodes-group', {
      type: 'string',
      describe: "Ansible inventory: the group whose hosts are nodes (default: nodes), e.g. kubespray's kube_node",
    });
}

/** The inventory, which of its hosts, how many at once: what every command that reaches hosts takes. */
export function withHostOptions<T>(y: Argv<T>) {
  return withInventory(y)
    .option('limit', { alias: 'l', type: 'string', describe: 'hosts, groups or globs, comma-separated; !x excludes' })
    .option('role', {
      type: 'string',
      choices: ['master', 'node'] as const,
      describe: '--role master equals --limit masters',
    })
    .option('forks', { alias: 'f', type: 'number', default: DEFAULT_FORKS, describe: 'hosts handled in parallel' });
}

export function withRunOptions<T>(y: Argv<T>) {
  const run = withHostOptions(y)
    .option('tags', { alias: 't', type: 'string', describe: 'only tasks with these tags (comma-separated)' })
    .option('skip-tags', { type: 'string', describe: 'skip tasks with these tags' })
    .option('check', {
      alias: 'C',
      type: 'boolean',
      default: false,
      describe: 'change nothing; report what would change',
    })
    .option('diff', {
      alias: 'D',
      type: 'boolean',
      default: false,
      describe: 'show before/after of files and settings',
    })
    .option('json', { type: 'boolean', default: false, describe: 'NDJSON events on stdout' })
    .option('log-file', { type: 'string', describe: 'append full command output per host and task (secrets masked)' });
  return withExtraVars(run);
}

/** The commands that change hosts wait this long for another run's lock on a host (README "Commands"). */
export function withLockTimeout<T>(y: Argv<T>) {
  return y.option('lock-timeout', {
    type: 'number',
    describe: "seconds to wait while another ovnctl run holds a host's run lock (default 0: fail at once)",
  });
}

/** -e key=value: variables, and (dotted keys) settings of this run, e.g. -e tls.enabled=true. */
export function withExtraVars<T>(y: Argv<T>) {
  return y.option('extra-vars', {
    alias: 'e',
    type: 'string',
    array: true,
    describe: 'key=value (dotted keys override settings)',
  });
}

export interface CommonArgs {
  inventory: string;
  limit?: string;
  role?: 'master' | 'node';
  tags?: string;
  'skip-tags'?: string;
  check: boolean;
  diff: boolean;
  forks: number;
  json: boolean;
  verbose: boolean;
  color: boolean;
  'log-file'?: string;
  'lock-timeout'?: number;
  'extra-vars'?: string[];
  'masters-group'?: string;
  'nodes-group'?: string;
}

/** Any command's arguments: the shared options it does not take are simply absent. */
export type OptionArgs = Partial<Omit<CommonArgs, 'role'>> & { role?: string };

/** Options that take one value: yargs makes an array of one given twice, which nothing downstream expects. */
const SINGLE = [
  'inventory',
  'limit',
  'role',
  'tags',
  'skip-tags',
  'forks',
  'log-file',
  'lock-timeout',
  'masters-group',
  'nodes-group',
] as const;

/** The shared options, checked and converted. */
export interface ParsedOptions {
  limit?: string;
  role?: Role;
  tags?: string[];
  skipTags?: string[];
  forks: number;
  logFile?: string;
  /** --lock-timeout in seconds; 0 when not given. */
  lockTimeout: number;
  extraVars: Record<string, unknown>;
  /** An Ansible inventory's role groups, when given. */
  roleGroups: RoleGroups;
}

/**
 * Checks and converts the shared options a command was given; a bad one is an InputError (exit 5) before
 * anything is read or contacted. A value yargs accepted may still be wrong: `-f 0`, `-f x` (NaN), `-e a`,
 * `--log-file` without a path.
 */
export function parseOptions(argv: OptionArgs): ParsedOptions {
  for (const name of SINGLE) {
    if (Array.isArray(argv[name])) throw new InputError(`--${name} is given more than once`);
  }
  const role = argv.role;
  if (role !== undefined && role !== 'master' && role !== 'node') {
    throw new InputError(`--role must be master or node, got ${role}`);
  }
  const logFile = argv['log-file'];
  if (logFile !== undefined && logFile.trim() === '') throw new InputError('--log-file needs a file name');
  const roleGroups: RoleGroups = {};
  for (const [option, role] of [
    ['masters-group', 'masters'],
    ['nodes-group', 'nodes'],
  ] as const) {
    const name = argv[option];
    if (name === undefined) continue;
    if (typeof name !== 'string' || !/^[^\s:[\]]+$/.test(name)) {
      throw new InputError(`--${option} needs a group name (no spaces, colons or brackets), got "${String(name)}"`);
    }
    roleGroups[role] = name;
  }
  if (roleGroups.masters !== undefined && roleGroups.masters === roleGroups.nodes) {
    throw new InputError('--masters-group and --nodes-group name the same group');
  }
  return {
    ...(argv.limit !== undefined ? { limit: argv.limit } : {}),
    ...(role !== undefined ? { role } : {}),
    tags: splitList(argv.tags),
    skipTags: splitList(argv['skip-tags']),
    forks: argv.forks === undefined ? DEFAULT_FORKS : validateForks(argv.forks),
    ...(logFile !== undefined ? { logFile } : {}),
    lockTimeout: argv['lock-timeout'] === undefined ? 0 : validateLockTimeout(argv['lock-timeout']),
    extraVars: parseExtraVars(argv['extra-vars']),
    roleGroups,
  };
}

export function splitList(v: string | undefined): string[] | undefined {
  return v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

/** `-e a.b=1 -e c=x`: values read as YAML scalars, so numbers and booleans keep their type. */
export function parseExtraVars(items: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new InputError(`-e expects key=value, got "${item}"`);
    const key = item.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/.test(key)) {
      throw new InputError(`-e: bad variable name "${key}"`);
    }
    const raw = item.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = parseYaml(raw);
    } catch {
      value = raw;
    }
    out[key] = value ?? raw;
  }
  return out;
}

/** Whole seconds up to a day: a longer wait is a queue, better built outside ovnctl. */
export function validateLockTimeout(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 86_400) {
    throw new InputError(`--lock-timeout must be a whole number of seconds from 0 to 86400, got ${seconds}`);
  }
  return seconds;
}

export function validateForks(forks: number): number {
  if (!Number.isInteger(forks) || forks < 1 || forks > 1000) {
    throw new InputError(`--forks must be a whole number from 1 to 1000, got ${forks}`);
  }
  return forks;
}
