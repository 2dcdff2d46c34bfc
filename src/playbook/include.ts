// `include: FILE` in a playbook. In the playbook's list of plays, an item `{include: FILE}` stands for
// the plays of FILE (with `vars:`, Ansible's import_playbook vars: defaults of those plays over their
// own); in a play's tasks: (or handlers:), for the tasks of FILE. The included items are
// spliced in where the include stands and may include further files. A path is relative to the directory
// of the file that names it, so bundled playbooks find theirs wherever the package is installed.
// Included files are read like the playbook itself (bounded, alias-checked), and every item keeps the
// file it came from, so an error inside an included file names that file:line:col.
import path from 'node:path';
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { InputError, type SourcePos } from '../errors.js';
import { MAX_ALIAS_COUNT, readYamlSource, type YamlSource } from '../source/yaml-source.js';
import { keyName, rethrowAt } from './yaml-nodes.js';

/** How deep included files may nest (the playbook is depth 0): deeper is a mistake, not a design. */
export const MAX_INCLUDE_DEPTH = 16;
/** Included files read for one playbook: a file included many times on every level stays bounded. */
export const MAX_INCLUDES = 100;

/** A list item and the file it was read from. */
export interface Placed {
  src: YamlSource;
  node: Node;
  /** The vars of the play includes it came through, the outermost winning (plays only). */
  vars?: Record<string, unknown>;
}

export type IncludeKind = 'plays' | 'tasks';

/** The included files of one playbook: where each came from (for cycles), and how many were read. */
export class Includes {
  #read = 0;
  /** Per file read, the files from the playbook down to it, each including the next. */
  readonly #chains = new WeakMap<YamlSource, readonly string[]>();

  constructor(playbook: YamlSource) {
    this.#chains.set(playbook, [playbook.file]);
  }

  /** The items of a list in `src`, every `{include: FILE}` among them replaced by the items of FILE. */
  splice(src: YamlSource, items: readonly Node[], kind: IncludeKind): Placed[] {
    return items.flatMap((node) => {
      const ref = includeRef(src, node, kind);
      if (!ref) return [{ src, node }];
      const placed = this.#expand(src, ref, kind);
      // The including file's vars win over those of includes further down (it knows why it includes).
      return ref.vars ? placed.map((p) => ({ ...p, vars: { ...p.vars, ...ref.vars } })) : placed;
    });
  }

  #expand(from: YamlSource, ref: IncludeRef, kind: IncludeKind): Placed[] {
    const chain = this.#chains.get(from) ?? [from.file];
    const file = path.isAbsolute(ref.target) ? ref.target : path.join(path.dirname(from.file), ref.target);
    if (chain.some((f) => path.resolve(f) === path.resolve(file))) {
      throw new InputError(`include cycle: ${[...chain, file].join(' → ')}`, ref.pos);
    }
    if (chain.length > MAX_INCLUDE_DEPTH) {
      const detail = `includes nest deeper than ${MAX_INCLUDE_DEPTH} files (${chain.join(' → ')} → ...)`;
      throw new InputError(detail, ref.pos);
    }
    if (++this.#read > MAX_INCLUDES) {
      throw new InputError(`a playbook reads at most ${MAX_INCLUDES} included files`, ref.pos);
    }
    let included: YamlSource;
    try {
      included = readYamlSource(file, 'included playbook');
    } catch (e) {
      // A file that cannot be read (missing, a directory) is the including file's mistake: name its line.
      throw rethrowAt(e, ref.pos);
    }
    const root = included.doc.contents;
    if (!isSeq(root)) {
      const what = kind === 'plays' ? 'playbook is a list of plays' : 'task file is a list of tasks';
      throw new InputError(`an included ${what}`, included.pos(root));
    }
    this.#chains.set(included, [...chain, file]);
    return this.splice(included, root.items as Node[], kind);
  }
}

interface IncludeRef {
  target: string;
  pos: SourcePos;
  vars?: Record<string, unknown>;
}

/** The file an `{include: FILE}` item names and where (and its vars); undefined for any other item. */
function includeRef(src: YamlSource, node: Node, kind: IncludeKind): IncludeRef | undefined {
  if (!isMap(node) || !node.has('include')) return undefined;
  const allowed = kind === 'plays' ? ['include', 'vars'] : ['include'];
  const other = node.items.find((p) => !allowed.includes(keyName(p)));
  if (other) {
    const also = kind === 'plays' ? ' (and vars:)' : '';
    const detail = `an include item holds only include: FILE${also}; "${keyName(other)}" belongs in the included file`;
    throw new InputError(detail, src.pos(other.key as Node));
  }
  const value = node.get('include', true) as Node | null;
  if (!isScalar(value) || typeof value.value !== 'string' || value.value.trim() === '') {
    const at = value ?? (node.items[0].key as Node);
    throw new InputError("include: expected a file name (relative to this file's directory)", src.pos(at));
  }
  const varsNode = node.get('vars', true) as Node | undefined;
  if (varsNode !== undefined && !isMap(varsNode)) throw new InputError('vars: must be a mapping', src.pos(varsNode));
  const vars = varsNode
    ? ((varsNode as YAMLMap).toJS(src.doc, { maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>)
    : undefined;
  return { target: value.value.trim(), pos: src.pos(value), ...(vars ? { vars } : {}) };
}
