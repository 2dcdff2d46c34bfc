// group_vars/ and host_vars/ beside an Ansible inventory, read as Ansible's host_group_vars plugin reads
// them: for group or host NAME, the first of NAME (a directory: every file in it, recursively, sorted;
// or a file), NAME.yml, NAME.yaml, NAME.json; a later file's var replaces an earlier one's. Ignoring them
// would connect to another address, as another user, without become.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ScalarTag } from 'yaml';
import { decodeText } from '../source/decode.js';
import { readCappedSync } from '../source/read.js';
import type { AnsibleInventory, AnsibleVar } from './ansible-model.js';
import { isDirectory } from './inventory-dir.js';
import { fileError } from './problems.js';
import type { SourceFiles } from './source-files.js';
import { YamlSource } from './yaml-source.js';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];
const NOT_MAPPING = 'a vars file must be a mapping of name: value (YAML or JSON)';
/** More vars files than this beside one inventory is not a cluster's configuration. */
const MAX_FILES = 1000;

/** Reads the vars files of every group and host of `inv` in `dir`, into inv.groupFileVars/hostFileVars. */
export function readVarFiles(dir: string, inv: AnsibleInventory, files: SourceFiles, tags: ScalarTag[]): void {
  let count = 0;
  const load = (subdir: string, name: string, into: Map<string, Map<string, AnsibleVar>>): void => {
    if (name.startsWith('/')) return; // as Ansible: a chroot-style host name has no vars files
    const found = findVarsFiles(path.join(dir, subdir), name);
    if (found.length === 0) return;
    count += found.length;
    if (count > MAX_FILES) throw fileError(found[0], `more than ${MAX_FILES} files in group_vars/ and host_vars/`);
    const vars = new Map<string, AnsibleVar>();
    for (const file of found) for (const v of readVarsFile(file, files, tags)) vars.set(v.name, v);
    into.set(name, vars);
  };
  for (const group of inv.groups.keys()) load('group_vars', group, inv.groupFileVars);
  for (const host of inv.hosts.keys()) load('host_vars', host, inv.hostFileVars);
}

/** Ansible's DataLoader.find_vars_files: the first name that exists, a directory expanded. */
function findVarsFiles(dir: string, name: string): string[] {
  if (!isDirectory(dir)) return [];
  for (const ext of EXTENSIONS) {
    const full = path.join(dir, name + ext);
    if (!existsSync(full)) continue;
    return isDirectory(full) ? dirVarsFiles(full) : [full];
  }
  return [];
}

function dirVarsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue; // hidden files and backups
    const full = path.join(dir, entry);
    const ext = path.extname(entry);
    if (isDirectory(full) && !ext) out.push(...dirVarsFiles(full));
    else if (!isDirectory(full) && (!ext || EXTENSIONS.includes(ext))) out.push(full);
  }
  return out;
}

/** One vars file (YAML or JSON: a mapping of name → value); an empty file has no vars. */
function readVarsFile(file: string, files: SourceFiles, tags: ScalarTag[]): AnsibleVar[] {
  const text = decodeText(file, readCappedSync(file, 'vars file'), 'vars file');
  const base = files.add(file, text);
  // Only comments and document markers: no vars (kubespray's sample has such files).
  if (text.split('\n').every((l) => /^\s*(#.*)?$/.test(l) || /^(---|\.\.\.)\s*(#.*)?$/.test(l))) return [];
  // Ansible fails on a vars file it cannot parse or that is no mapping ("failed to combine variables"): so does ovnctl.
  const src = YamlSource.parse(file, text, { customTags: tags, yaml11: true, notMapping: NOT_MAPPING });
  const root = src.toJS();
  if (root === null || root === undefined) return [];
  if (typeof root !== 'object' || Array.isArray(root)) throw fileError(file, NOT_MAPPING);
  const keys = src.keysAt([]);
  const names = keys.includes('<<') ? Object.keys(root) : keys;
  return names.map((name) => ({
    name,
    value: (root as Record<string, unknown>)[name],
    keyAt: base + src.offsetOf([name], { key: true }),
    valueAt: base + src.offsetOf([name]),
    inner: (rest) => base + src.offsetOf([name, ...rest]),
  }));
}
