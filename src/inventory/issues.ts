// zod issues → problems at the YAML node they are about, in words an inventory author understands.
import type * as z from 'zod';
import { InventorySchema } from './schema.js';
import type { Problems } from './problems.js';
import type { InventorySource, Path } from './yaml-source.js';

type Issue = z.core.$ZodIssue;

export function reportIssues(issues: readonly Issue[], raw: unknown, src: InventorySource, problems: Problems): void {
  for (const issue of issues) {
    const path = issue.path;
    const branch = issue.code === 'invalid_union' ? meantBranch(issue.errors) : undefined;
    if (branch) {
      const nested = branch.map((i) => ({ ...i, path: [...path, ...i.path] }));
      reportIssues(nested, raw, src, problems);
    } else if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const at = src.offsetOf([...path, key], { key: true });
        const allowed = allowedKeys(path);
        const hint = allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '';
        src.report(problems, `unknown key '${key}' in ${where(path)}${hint}`, at);
      }
    } else if (issue.code === 'invalid_key') {
      const inner = issue.issues[0]?.message ?? issue.message;
      const at = src.offsetOf(path, { key: true });
      src.report(problems, `${where(path.slice(0, -1))}: '${String(path.at(-1))}' is not a valid name: ${inner}`, at);
    } else if (isMissing(raw, path)) {
      src.report(
        problems,
        `missing required key '${String(path.at(-1))}' in ${where(path.slice(0, -1))}`,
        src.offsetOf(path),
      );
    } else {
      src.report(problems, `${dotted(path)}: ${plainMessage(issue, valueAt(raw, path))}`, src.offsetOf(path));
    }
  }
}

/**
 * The union member the user evidently meant: of the members whose type the value has (their issues
 * are about its keys or contents), the one with fewest issues. None when it is a tie.
 */
function meantBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const typed = branches.filter(
    (b) => b.length > 0 && b.every((i) => i.path.length > 0 || i.code === 'unrecognized_keys'),
  );
  const fewest = Math.min(...typed.map((b) => b.length));
  const best = typed.filter((b) => b.length === fewest);
  return best.length === 1 ? best[0] : undefined;
}

/** zod's generic wording in YAML terms; messages the schema sets itself are kept. */
function plainMessage(issue: Issue, value: unknown): string {
  if (issue.code === 'invalid_value' && issue.message.startsWith('Invalid option')) {
    return `must be one of: ${issue.values.map(String).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
    return `expected ${KIND[issue.expected] ?? issue.expected}, got ${kindOf(value)}`;
  }
  return issue.message;
}

const KIND: Record<string, string> = {
  object: 'a mapping (key: value)',
  record: 'a mapping (name: value)',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

/** The kind only, never the value: a token pasted into the wrong place must not be echoed. */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'boolean' ? 'true or false' : `a ${typeof value}`;
}

function valueAt(raw: unknown, path: Path): unknown {
  let node = raw;
  for (const seg of path) {
    if (!node || typeof node !== 'object' || !Object.hasOwn(node, seg)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return node;
}

/** The value at `path` is absent from its parent mapping (and not merely null). */
function isMissing(raw: unknown, path: Path): boolean {
  if (path.length === 0) return false;
  let node = raw;
  for (const seg of path.slice(0, -1)) {
    if (!node || typeof node !== 'object') return false;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return !!node && typeof node === 'object' && !Array.isArray(node) && !Object.hasOwn(node, path.at(-1)!);
}

/** The keys the schema accepts for the object at `path` (a union contributes all its objects' keys). */
function allowedKeys(path: Path): string[] {
  let schemas: z.core.$ZodType[] = [InventorySchema];
  for (const seg of [...path, undefined]) {
    const next: z.core.$ZodType[] = [];
    const keys: string[] = [];
    const queue = [...schemas];
    for (let i = 0; i < queue.length; i++) {
      const def = unwrap(queue[i])._zod.def as unknown as { type: string } & Record<string, unknown>;
      if (def.type === 'union') queue.push(...(def.options as z.core.$ZodType[]));
      else if (def.type === 'record') next.push(def.valueType as z.core.$ZodType);
      else if (def.type === 'array') next.push(def.element as z.core.$ZodType);
      else if (def.type === 'object') {
        const shape = def.shape as Record<string, z.core.$ZodType>;
        if (seg === undefined) keys.push(...Object.keys(shape));
        else if (Object.hasOwn(shape, seg)) next.push(shape[seg as string]);
      }
    }
    if (seg === undefined) return [...new Set(keys)];
    schemas = next;
  }
  return [];
}

function unwrap(s: z.core.$ZodType): z.core.$ZodType {
  let def = s._zod.def as unknown as { type: string; innerType?: z.core.$ZodType };
  while (def.innerType && ['optional', 'default', 'prefault', 'nullable', 'readonly'].includes(def.type)) {
    s = def.innerType;
    def = s._zod.def as unknown as { type: string; innerType?: z.core.$ZodType };
  }
  return s;
}

function where(path: Path): string {
  return path.length === 0 ? 'the inventory' : dotted(path);
}

/** hosts.n1.ssh.port, hosts["n1.example.com"].address, hosts.n1.roles[0]. */
export function dotted(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(seg))) out += (out ? '.' : '') + String(seg);
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}
