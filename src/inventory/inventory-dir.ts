// `-i DIR`: the inventory files of a directory, as Ansible's InventoryManager lists them: sorted, in
// subdirectories too, leaving out hidden entries, group_vars/, host_vars/, vars_plugins/ and the
// extensions it ignores by default (INVENTORY_IGNORE_EXTS: .ini among them, README.md, backups).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { decodeText } from '../source/decode.js';
import { MAX_BYTES } from '../source/limits.js';
import { readCapped } from '../source/read.js';
import { fileError } from './problems.js';

const IGNORED_NAMES = /^\.|^host_vars$|^group_vars$|^vars_plugins$/;
const IGNORED_EXTS = [
  '.pyc',
  '.pyo',
  '.swp',
  '.bak',
  '~',
  '.rpm',
  '.md',
  '.txt',
  '.rst',
  '.orig',
  '.ini',
  '.cfg',
  '.retry',
];
/** More files than this in one inventory directory is not a cluster's inventory. */
const MAX_FILES = 200;

export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The directory's inventory files with their text, in Ansible's order; all of them at most MAX_BYTES. */
export async function readInventoryDir(dir: string): Promise<{ file: string; text: string }[]> {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (IGNORED_NAMES.test(name) || IGNORED_EXTS.some((ext) => name.endsWith(ext))) continue;
      const full = path.join(d, name);
      if (isDirectory(full)) walk(full);
      else files.push(full);
      if (files.length > MAX_FILES) throw fileError(dir, `more than ${MAX_FILES} inventory files in the directory`);
    }
  };
  walk(dir);
  const out: { file: string; text: string }[] = [];
  let total = 0;
  for (const file of files) {
    const bytes = await readCapped(file, 'inventory');
    total += bytes.length;
    if (total > MAX_BYTES) throw fileError(file, `the directory's inventory files are larger than ${MAX_BYTES} bytes`);
    out.push({ file, text: decodeText(file, bytes, 'inventory') });
  }
  return out;
}
