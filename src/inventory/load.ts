// Inventory file → typed Inventory, or an InputError (exit 5) naming file:line:col. Stages, each of
// which must pass before the next runs: bytes, YAML (or an Ansible inventory mapped onto the native
// form, format.ts), schema, cross-key rules, local files.
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';
import { buildInventory } from './build.js';
import { checkInventory } from './checks.js';
import { MAX_BYTES, decodeInventory } from './decode.js';
import { openInventorySource, type InventoryFormat } from './format.js';
import { reportIssues } from './issues.js';
import { readLocalFiles } from './local-files.js';
import { Problems } from './problems.js';
import { InventorySchema } from './schema.js';
import type { Inventory } from './types.js';

export interface LoadOptions {
  /** Where `k8sToken: {env: NAME}` and HOME are looked up; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export async function loadInventory(file: string, opts: LoadOptions = {}): Promise<Inventory> {
  return parseInventory(file, await readBounded(file), opts);
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
}

export async function loadInventoryForm(file: string, opts: LoadOptions = {}): Promise<LoadedInventory> {
  return parseInventoryForm(file, await readBounded(file), opts);
}

async function parseInventoryForm(file: string, content: string | Uint8Array, opts: LoadOptions): Promise<LoadedInventory> {
  const env = opts.env ?? process.env;
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  const { format, src } = openInventorySource(file, decodeInventory(file, bytes));
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
  const ctx = { dir: path.dirname(abs), home: env.HOME || os.homedir(), env };
  const { token } = await readLocalFiles(inv, src, problems, ctx);
  problems.throwIfAny();
  const inventory = buildInventory(inv, { ...ctx, file: abs, hostOrder, groupOrder: src.keysAt(['groups']), token });
  return { inventory, format, native: raw };
}

/** Reads at most MAX_BYTES + 1 bytes, so `-i /dev/zero` or a huge file fails fast instead of filling memory. */
async function readBounded(file: string): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(file, 'r');
    const buf = Buffer.alloc(MAX_BYTES + 1);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file'
      : code === 'EISDIR' ? 'it is a directory'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : (code ?? 'read error');
    throw new InputError(`cannot read inventory ${file}: ${why}`);
  } finally {
    await fh?.close();
  }
}
