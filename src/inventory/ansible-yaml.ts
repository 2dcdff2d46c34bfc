// Ansible's YAML inventory → AnsibleInventory. Top-level keys are groups (usually just `all`); a group
// is a mapping of `hosts:` (host → its vars), `vars:` and `children:` (group name → group, recursively).
// The same YAML guards as a native inventory (size, depth, aliases, duplicate keys) apply.
import type { ScalarTag } from 'yaml';
import { AnsibleInventory, expandHostPattern, type AnsibleVar } from './ansible-model.js';
import { Problems } from './problems.js';
import { YamlSource, type Path } from './yaml-source.js';

/** `!vault` values stay their ciphertext (ansible-map.ts refuses to use one); `!unsafe` is a plain string. */
const ANSIBLE_TAGS: ScalarTag[] = [
  { tag: '!vault', resolve: (s) => s },
  { tag: '!unsafe', resolve: (s) => s },
];

const GROUP_KEYS = ['hosts', 'vars', 'children'];

export function parseAnsibleYaml(file: string, text: string): AnsibleInventory {
  const src = YamlSource.parse(file, text, { customTags: ANSIBLE_TAGS });
  const root = src.toJS();
  const inv = new AnsibleInventory();
  const problems = new Problems();
  const fail = (detail: string, path: Path, key = false): void =>
    src.report(problems, detail, src.offsetOf(path, { key }));
  const at = (path: Path, key = false): number => src.offsetOf(path, { key });

  const mapping = (path: Path, what: string): Record<string, unknown> | undefined => {
    const v = valueAt(root, path);
    if (v === null || v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      fail(`${what} must be a mapping`, path);
      return undefined;
    }
    return v as Record<string, unknown>;
  };

  const readVars = (path: Path, into: Map<string, AnsibleVar>): void => {
    if (!mapping(path, 'vars:')) return;
    for (const name of src.keysAt(path)) {
      const p = [...path, name];
      into.set(name, {
        name,
        value: valueAt(root, p),
        keyAt: at(p, true),
        valueAt: at(p),
        inner: (rest: Path) => at([...p, ...rest]),
      });
    }
  };

  const readGroup = (name: string, path: Path): void => {
    const group = inv.group(name, at(path, true));
    const body = mapping(path, `group '${name}'`);
    if (!body) return;
    for (const key of src.keysAt(path)) {
      if (!GROUP_KEYS.includes(key))
        fail(`unknown key '${key}' in group '${name}' (allowed: ${GROUP_KEYS.join(', ')})`, [...path, key], true);
    }
    const hostsPath = [...path, 'hosts'];
    if (mapping(hostsPath, `${name}.hosts`)) {
      for (const pattern of src.keysAt(hostsPath)) {
        const hostPath = [...hostsPath, pattern];
        let names: string[];
        try {
          names = expandHostPattern(pattern);
        } catch (e) {
          fail((e as Error).message, hostPath, true);
          continue;
        }
        const vars = new Map<string, AnsibleVar>();
        readVars(hostPath, vars);
        for (const host of names) {
          const h = inv.addHost(name, host, at(hostPath, true));
          for (const [k, v] of vars) h.vars.set(k, v);
        }
      }
    }
    readVars([...path, 'vars'], group.vars);
    const childrenPath = [...path, 'children'];
    if (mapping(childrenPath, `${name}.children`)) {
      for (const child of src.keysAt(childrenPath)) {
        inv.addChild(name, child, at([...childrenPath, child], true));
        readGroup(child, [...childrenPath, child]);
      }
    }
  };

  for (const name of src.keysAt([])) readGroup(name, [name]);
  problems.throwIfAny();
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
