// Inventory file → typed Inventory, or an InputError (exit 5) naming file:line:col. Stages, each of
// which must pass before the next runs: bytes, YAML (or an Ansible inventory mapped onto the native
// form, format.ts), schema, cross-key rules, local files.
import os from 'node:os';
import path from 'node:path';
import { decodeText } from '../source/decode.js';
import { readCapped } from '../source/read.js';
import type { RoleGroups } from './ansible-map.js';
import { buildInventory } from './build.js';
import { checkInventory } from './checks.js';
import { openInventoryDirectory, openInventorySource, type InventoryFormat, type OpenedSource } from './format.js';
import { isDirectory, readInventoryDir } from './inventory-dir.js';
import { reportIssues } from './issues.js';
import { readLocalFiles } from './local-files.js';
import { Problems } from './problems.js';
import { InventorySchema } from './schema.js';
import type { Inventory } from './types.js';

export interface LoadOptions {
  /** Where `k8sToken: {env: NAME}` and HOME are looked up; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** For an Ansible inventory: the groups that give the roles (--masters-group, --nodes-group). */
  roleGroups?: RoleGroups;
}

export async function loadInventory(file: string, opts: LoadOptions = {}): Promise<Inventory> {
  return (await loadInventoryForm(file, opts)).inventory;
}

/**
 * The same from content already in memory; `file` names it in errors and anchors relative paths.
 */
export async function parseInventory(
  file: string,
  content: string | Uint8Array,
  opts: LoadOptions = {},
): Promise<Inventory> {
  return (await parseInventoryForm(file, content, opts)).inventory;
}

/** The inventory, its file's format, and its value in the native form (what `--convert` writes). */
export interface LoadedInventory {
  inventory: Inventory;
  format: InventoryFormat;
  native: unknown;
  /** Lines for stderr that are not errors: an Ansible inventory's hosts in neither role group. */
  notices: string[];
}

/** `file` may also be a directory of Ansible inventory files (`-i inventory/`), as Ansible takes one. */
export async function loadInventoryForm(file: string, opts: LoadOptions = {}): Promise<LoadedInventory> {
  if (isDirectory(file)) {
    const opened = openInventoryDirectory(file, await readInventoryDir(file), opts.roleGroups);
    return finishLoad(file, opened, path.resolve(file), opts);
  }
  return parseInventoryForm(file, await readCapped(file, 'inventory'), opts);
}

async function parseInventoryForm(
  file: string,
  content: string | Uint8Array,
  opts: LoadOptions,
): Promise<LoadedInventory> {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  const text = decodeText(file, bytes, 'inventory');
  const opened = openInventorySource(file, text, opts.roleGroups);
  return finishLoad(file, opened, path.dirname(path.resolve(file)), opts);
}

/** Schema, cross-key rules, local files (relative to `dir`), the model: the same for every format. */
async function finishLoad(
  file: string,
  { format, src, notices }: OpenedSource,
  dir: string,
  opts: LoadOptions,
): Promise<LoadedInventory> {
  const env = opts.env ?? process.env;
  const raw = src.toJS();

  const problems = new Problems();
  const parsed = InventorySchema.safeParse(raw);
  if (!parsed.success) {
    reportIssues(parsed.error.issues, raw, src, problems);
    throw problems.toError();
  }
  const inv = parsed.data;
  const hostOrder = src.keysAt(['hosts']);
  checkInventory(inv, hostOrder, src, problems);
  problems.throwIfAny();

  const abs = path.resolve(file);
  const ctx = { dir, home: env.HOME || os.homedir(), env };
  const secrets = await readLocalFiles(inv, src, problems, ctx);
  problems.throwIfAny();
  const groupOrder = src.keysAt(['groups']);
  const inventory = buildInventory(inv, { ...ctx, file: abs, hostOrder, groupOrder, ...secrets });
  return { inventory, format, native: raw, notices };
}
