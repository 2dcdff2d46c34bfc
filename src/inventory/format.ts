// Which of the three inventory formats a file is, and the source the load stages read it through.
// Native YAML has `hosts:` at the top; Ansible YAML has groups there (`all:`); Ansible INI has
// `[section]` lines (or the .ini extension). The file's name decides only for .ini: Ansible's own
// `hosts` file has no extension at all.
import path from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { parseAnsibleIni } from './ansible-ini.js';
import { AnsibleInventory } from './ansible-model.js';
import { mapAnsibleInventory, type RoleGroups } from './ansible-map.js';
import { readVarFiles } from './ansible-var-files.js';
import { ANSIBLE_TAGS, parseAnsibleYaml } from './ansible-yaml.js';
import { InputError } from '../errors.js';
import { fileError } from './problems.js';
import { SourceFiles } from './source-files.js';
import { YamlSource, type InventorySource } from './yaml-source.js';

export type InventoryFormat = 'native' | 'ansible-ini' | 'ansible-yaml';

const ANSIBLE_GROUP_KEYS = new Set(['hosts', 'vars', 'children']);
const INI_SECTION = /^[ \t]*\[[^:\]\s]+(:\w+)?\][ \t]*([#;].*)?$/m;

export function detectFormat(file: string, text: string): InventoryFormat {
  if (path.extname(file).toLowerCase() === '.ini') return 'ansible-ini';
  const doc = parseDocument(text, { strict: false });
  const root = doc.contents;
  if (isMap(root)) {
    const keys = root.items.map((p) => (isScalar(p.key) ? String(p.key.value) : ''));
    if (keys.includes('hosts')) return 'native';
    if (keys.includes('all')) return 'ansible-yaml';
    // Ansible YAML may also list its groups at the top without `all:`.
    const groupLike = root.items.every((p) => {
      const v = p.value;
      return (
        v === null ||
        (isScalar(v) && v.value === null) ||
        (isMap(v) && v.items.every((q) => isScalar(q.key) && ANSIBLE_GROUP_KEYS.has(String(q.key.value))))
      );
    });
    return root.items.length > 0 && groupLike ? 'ansible-yaml' : 'native';
  }
  // Host lines without a section (one YAML string) in a file named as no YAML is: Ansible's ini plugin reads
  // them. In a .yaml file such text is far likelier a broken ovnctl inventory, and is reported as one.
  const yamlName = ['.yml', '.yaml', '.json'].includes(path.extname(file).toLowerCase());
  return INI_SECTION.test(text) || (isScalar(root) && !yamlName) ? 'ansible-ini' : 'native';
}

/**
 * A file of an inventory directory, which holds Ansible inventories only: as Ansible tries its plugins,
 * a YAML mapping is read as Ansible YAML, anything else (a YAML error too) as INI, whose parser then
 * says what is wrong at its line.
 */
function ansibleFormatOf(file: string, text: string): Exclude<InventoryFormat, 'native'> {
  const own = detectFormat(file, text);
  if (own !== 'native') return own;
  const doc = parseDocument(text, { strict: false });
  if (doc.errors.length === 0 && isMap(doc.contents)) {
    const keys = doc.contents.items.map((p) => (isScalar(p.key) ? String(p.key.value) : ''));
    if (keys.includes('hosts'))
      throw fileError(file, 'an inventory directory holds Ansible inventories; this is an ovnctl inventory');
    return 'ansible-yaml';
  }
  return 'ansible-ini';
}

export interface OpenedSource {
  format: InventoryFormat;
  src: InventorySource;
  /** Lines for stderr that are not errors (an Ansible inventory's hosts left out of the cluster). */
  notices: string[];
}

/**
 * The file's text as the native inventory value, with positions in the file itself (or, for an Ansible
 * inventory, in the group_vars/ or host_vars/ file beside it that set a value). `roles`: which Ansible
 * groups give the roles; naming them for a native inventory is an error, not silently nothing.
 */
export function openInventorySource(file: string, text: string, roles: RoleGroups = {}): OpenedSource {
  refuseVault(file, text);
  const format = detectFormat(file, text);
  if (format === 'native') {
    const given = roles.masters !== undefined ? '--masters-group' : roles.nodes !== undefined ? '--nodes-group' : '';
    if (given) throw fileError(file, `${given} maps an Ansible inventory's groups; this is an ovnctl inventory`);
    return { format, src: YamlSource.parse(file, text), notices: [] };
  }
  const { inv, files } = readAnsibleInventory(file, text, format);
  const { src, notices } = mapAnsibleInventory(files, inv, roles);
  return { format, src, notices };
}

/**
 * An inventory directory (`-i dir`), as Ansible reads one: every inventory file in it (sorted, in
 * subdirectories too; `members`, listed by inventory-dir.ts) as one inventory, a later file adding to
 * and overriding the earlier ones, with the directory's own group_vars/ and host_vars/.
 */
export function openInventoryDirectory(
  dir: string,
  members: { file: string; text: string }[],
  roles: RoleGroups = {},
): OpenedSource {
  const { inv, files, format, skipped } = readAnsibleDirectory(dir, members);
  const { src, notices } = mapAnsibleInventory(files, inv, roles);
  return { format, src, notices: [...skipped, ...notices] };
}

/** The files of an inventory directory as one Ansible inventory, before ovnctl maps it. */
export function readAnsibleDirectory(
  dir: string,
  members: { file: string; text: string }[],
): { inv: AnsibleInventory; files: SourceFiles; format: Exclude<InventoryFormat, 'native'>; skipped: string[] } {
  if (members.length === 0) throw fileError(dir, 'the directory holds no inventory file');
  const inv = new AnsibleInventory();
  const files = new SourceFiles();
  let format: Exclude<InventoryFormat, 'native'> | undefined;
  const skipped: string[] = [];
  for (const { file, text } of members) {
    refuseVault(file, text);
    const own = ansibleFormatOf(file, text);
    const read = own === 'ansible-ini' ? parseIniMember(file, text, skipped) : parseAnsibleYaml(file, text);
    if (!read) continue;
    format ??= own;
    inv.merge(read, files.add(file, text));
  }
  if (!format) throw fileError(dir, 'the directory holds no file Ansible reads as an inventory');
  inv.reconcile();
  readVarFiles(path.resolve(dir), inv, files, ANSIBLE_TAGS);
  return { inv, files, format, skipped };
}

/**
 * A directory's file that is neither YAML nor INI (notes, a script): Ansible warns and skips it, even with
 * unparsed_is_failed (which is about the directory as a whole); so does ovnctl, naming where it failed.
 */
function parseIniMember(file: string, text: string, skipped: string[]): AnsibleInventory | undefined {
  try {
    return parseAnsibleIni(file, text);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    skipped.push(`skipped ${e.message.split('\n')[0]} (neither an INI nor a YAML inventory; Ansible skips it too)`);
    return undefined;
  }
}

function refuseVault(file: string, text: string): void {
  if (/^\s*\$ANSIBLE_VAULT;/.test(text)) {
    throw fileError(
      file,
      'the file is encrypted with ansible-vault; ovnctl reads it in plain text (ansible-vault view or decrypt it)',
    );
  }
}

/** An Ansible inventory as Ansible reads it, before ovnctl maps it: the file, group_vars/, host_vars/. */
export function readAnsibleInventory(
  file: string,
  text: string,
  format: Exclude<InventoryFormat, 'native'> = detectFormat(file, text) as Exclude<InventoryFormat, 'native'>,
): { inv: AnsibleInventory; files: SourceFiles } {
  const inv = format === 'ansible-ini' ? parseAnsibleIni(file, text) : parseAnsibleYaml(file, text);
  const files = new SourceFiles();
  files.add(file, text);
  readVarFiles(path.dirname(path.resolve(file)), inv, files, ANSIBLE_TAGS);
  return { inv, files };
}
