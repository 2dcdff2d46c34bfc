// The options every playbook command shares (SPEC "CLI"), and their parsing into run options.
import type { Argv } from 'yargs';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../errors.js';

export function withInventory<T>(y: Argv<T>) {
  return y.option('inventory', { alias: 'i', type: 'string', demandOption: true, describe: 'inventory file (YAML, or an Ansible INI/YAML inventory)' });
}

export function withRunOptions<T>(y: Argv<T>) {
  return withInventory(y)
    .option('limit', { alias: 'l', type: 'string', describe: 'hosts, groups or globs, comma-separated; !x excludes' })
    .option('role', { type: 'string', choices: ['master', 'node'] as const, describe: '--role master equals --limit masters' })
    .option('tags', { alias: 't', type: 'string', describe: 'only tasks with these tags (comma-separated)' })
    .option('skip-tags', { type: 'string', describe: 'skip tasks with these tags' })
    .option('check', { alias: 'C', type: 'boolean', default: false, describe: 'change nothing; report what would change' })
    .option('diff', { alias: 'D', type: 'boolean', default: false, describe: 'show before/after of files and settings' })
    .option('forks', { alias: 'f', type: 'number', default: 50, describe: 'hosts handled in parallel' })
    .option('json', { type: 'boolean', default: false, describe: 'NDJSON events on stdout' })
    .option('log-file', { type: 'string', describe: 'append full command output per host and task (secrets masked)' })
    .option('extra-vars', { alias: 'e', type: 'string', array: true, describe: 'key=value (dotted keys override settings)' });
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
  'extra-vars'?: string[];
}

export function splitList(v: string | undefined): string[] | undefined {
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

/** `-e a.b=1 -e c=x`: values read as YAML scalars, so numbers and booleans keep their type. */
export function parseExtraVars(items: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new InputError(`-e expects key=value, got "${item}"`);
    const key = item.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/.test(key)) throw new InputError(`-e: bad variable name "${key}"`);
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

export function validateForks(forks: number): number {
  if (!Number.isInteger(forks) || forks < 1 || forks > 1000) throw new InputError(`--forks must be a whole number from 1 to 1000, got ${forks}`);
  return forks;
}
