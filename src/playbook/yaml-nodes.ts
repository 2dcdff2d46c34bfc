// Reading the values of a playbook's YAML nodes: each helper either returns the typed value or throws an
// InputError at the node's file:line:col. Shared by load.ts (plays, tasks) and include.ts (includes).
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { InputError, type SourcePos } from '../errors.js';
import type { YamlSource } from '../source/yaml-source.js';

/** The text of a mapping key (`name:` → "name"). */
export function keyName(pair: { key: unknown }): string {
  return String((pair.key as { value?: unknown })?.value);
}

export function asMap(src: YamlSource, node: Node, what: string): YAMLMap {
  if (!isMap(node)) throw new InputError(`${what} must be a mapping`, src.pos(node));
  return node;
}

export function asSeqItems(src: YamlSource, node: Node, what: string): Node[] {
  if (!isSeq(node)) throw new InputError(`${what} must be a list`, src.pos(node));
  return node.items as Node[];
}

export function checkKeys(src: YamlSource, map: YAMLMap, allowed: Set<string>, what: string): void {
  for (const p of map.items) {
    const k = keyName(p);
    if (!allowed.has(k)) {
      throw new InputError(`unknown ${what} key "${k}" (allowed: ${[...allowed].join(', ')})`, src.pos(p.key as Node));
    }
  }
}

export function scalarText(src: YamlSource, node: Node): string {
  if (!isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'boolean')) {
    throw new InputError('expected a string', src.pos(node));
  }
  return String(node.value);
}

export function bool(src: YamlSource, map: YAMLMap, key: string): boolean {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return false;
  if (!isScalar(node) || typeof node.value !== 'boolean') {
    throw new InputError(`${key}: expected true or false`, src.pos(node));
  }
  return node.value;
}

export function str(src: YamlSource, map: YAMLMap, key: string): string | undefined {
  const node = map.get(key, true) as Node | undefined;
  return node === undefined ? undefined : scalarText(src, node);
}

export function strList(src: YamlSource, map: YAMLMap, key: string): string[] {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return [];
  if (isSeq(node)) return node.items.map((i) => scalarText(src, i as Node));
  return scalarText(src, node)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An InputError that names no place gets `pos`; anything else is passed on as it is. */
export function rethrowAt(e: unknown, pos: SourcePos): unknown {
  return e instanceof InputError && !e.pos ? new InputError(e.detail, pos) : e;
}
