// Ansible's YAML inventory → AnsibleInventory. Top-level keys are groups (usually just `all`); a group
// is a mapping of `hosts:` (host → its vars), `vars:` and `children:` (group name → group, recursively).
// The same YAML guards as a native inventory (size, depth, aliases, duplicate keys) apply; merge keys
// (`<<: *defaults`) and YAML 1.1's yes/no booleans are read, as Ansible's YAML (PyYAML) reads them.
import type { ScalarTag } from 'yaml';
import { AnsibleInventory, parseHostPattern, type AnsibleVar } from './ansible-model.js';
import { Problems } from './problems.js';
import { YamlSource, type Path } from './yaml-source.js';

/** `!vault` values stay their ciphertext (ansible-map.ts refuses to use one); `!unsafe` is a plain string. */
export const ANSIBLE_TAGS: ScalarTag[] = [
  { tag: '!vault', resolve: (s) => s },
  { tag: '!unsafe', resolve: (s) => s },
];

const GROUP_KEYS = ['hosts', 'vars', 'children'];

export function parseAnsibleYaml(file: string, text: string): AnsibleInventory {
  const src = YamlSource.parse(file, text, { customTags: ANSIBLE_TAGS, yaml11: true });
  const root = src.toJS();
  const inv = new AnsibleInventory();
  const problems = new Problems();
  const fail = (detail: string, path: Path, key = false): void =>
    src.report(problems, detail, src.offsetOf(path, { key }));
  const at = (path: Path, key = false): number => src.offsetOf(path, { key });

  /** The keys of the mapping at `path`: in file order, or as merged when it has a `<<` merge key. */
  const keysOf = (path: Path): string[] => {
    const keys = src.keysAt(path);
    const v = valueAt(root, path);
    return keys.includes('<<') && v && typeof v === 'object' ? Object.keys(v) : keys;
  };

  /** hosts:, vars: and children: are mappings; Ansible also takes one name written as a string. */
  const section = (path: Path, what: string): { keys: string[]; single?: string } | undefined => {
    const v = valueAt(root, path);
    if (v === null || v === undefined) return undefined;
    if (typeof v === 'string') return { keys: [v], single: v };
    if (typeof v !== 'object' || Array.isArray(v)) {
      fail(`${what} must be a mapping`, path);
      return undefined;
    }
    return { keys: keysOf(path) };
  };

  const readVars = (path: Path, into: Map<string, AnsibleVar>): void => {
    const vars = section(path, 'vars:');
    if (!vars) return;
    for (const name of vars.keys) {
      const p = vars.single !== undefined ? path : [...path, name];
      into.set(name, {
        name,
        value: vars.single !== undefined ? null : valueAt(root, p),
        keyAt: at(p, true),
        valueAt: at(p),
        inner: (rest: Path) => at([...p, ...rest]),
      });
    }
  };

  const readHosts = (name: string, path: Path): void => {
    const hosts = section(path, `${name}.hosts`);
    if (!hosts) return;
    for (const pattern of hosts.keys) {
      const hostPath = hosts.single !== undefined ? path : [...path, pattern];
      let parsed: { names: string[]; port?: number };
      try {
        parsed = parseHostPattern(pattern);
      } catch (e) {
        fail((e as Error).message, hostPath, true);
        continue;
      }
      const vars = new Map<string, AnsibleVar>();
      if (parsed.port !== undefined) {
        const offset = at(hostPath, true);
        vars.set('ansible_port', { name: 'ansible_port', value: parsed.port, keyAt: offset, valueAt: offset });
      }
      if (hosts.single === undefined) readVars(hostPath, vars);
      for (const host of parsed.names) {
        const h = inv.addHost(name, host, at(hostPath, true));
        for (const [k, v] of vars) h.vars.set(k, v);
      }
    }
  };

  // In file order, as Ansible applies them: a host's vars given twice keep the later value.
  const readGroup = (name: string, path: Path): void => {
    const group = inv.group(name, at(path, true));
    const v = valueAt(root, path);
    if (v === null || v === undefined) return;
    if (typeof v !== 'object' || Array.isArray(v)) {
      fail(`group '${name}' must be a mapping`, path);
      return;
    }
    for (const key of keysOf(path)) {
      const p = [...path, key];
      if (key === 'hosts') readHosts(name, p);
      else if (key === 'vars') readVars(p, group.vars);
      else if (key === 'children') {
        const children = section(p, `${name}.children`);
        for (const child of children?.keys ?? []) {
          const childPath = children?.single !== undefined ? p : [...p, child];
          inv.addChild(name, child, at(childPath, true));
          if (children?.single === undefined) readGroup(child, childPath);
          else inv.group(child, at(childPath));
        }
      } else fail(`unknown key '${key}' in group '${name}' (allowed: ${GROUP_KEYS.join(', ')})`, p, true);
    }
  };

  for (const name of src.keysAt([])) readGroup(name, [name]);
  problems.throwIfAny();
  inv.reconcile();
  return inv;
}

function valueAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const seg of path) {
    if (!node || typeof node !== 'object' || !Object.hasOwn(node, seg)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return node;
}
