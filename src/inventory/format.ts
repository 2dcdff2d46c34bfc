// Which of the three inventory formats a file is, and the source the load stages read it through.
// Native YAML has `hosts:` at the top; Ansible YAML has groups there (`all:`); Ansible INI has
// `[section]` lines (or the .ini extension). The file's name decides only for .ini: Ansible's own
// `hosts` file has no extension at all.
import path from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { parseAnsibleIni } from './ansible-ini.js';
import { mapAnsibleInventory } from './ansible-map.js';
import { parseAnsibleYaml } from './ansible-yaml.js';
import { fileError } from './problems.js';
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
  return INI_SECTION.test(text) ? 'ansible-ini' : 'native';
}

/** The file's text as the native inventory value, with positions in the file itself. */
export function openInventorySource(file: string, text: string): { format: InventoryFormat; src: InventorySource } {
  if (/^\s*\$ANSIBLE_VAULT;/.test(text)) {
    throw fileError(
      file,
      'the file is encrypted with ansible-vault; ovnctl reads it in plain text (ansible-vault view or decrypt it)',
    );
  }
  const format = detectFormat(file, text);
  if (format === 'native') return { format, src: YamlSource.parse(file, text) };
  const ansible = format === 'ansible-ini' ? parseAnsibleIni(file, text) : parseAnsibleYaml(file, text);
  return { format, src: mapAnsibleInventory(file, text, ansible) };
}
