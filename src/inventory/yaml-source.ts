// The parsed YAML document with its source positions: parse errors, structural limits, and the way
// back from a path in the parsed value (a zod issue, a semantic check) to a line and column.
import { isAlias, isCollection, isMap, isScalar, isSeq, type Document, type Tags } from 'yaml';
import type { SourcePos } from '../errors.js';
import { checkAliases } from '../source/aliases.js';
import { MAX_ALIAS_COUNT, MAX_DEPTH } from '../source/limits.js';
import { parseYaml } from '../source/yaml-source.js';
import { Problems, fileError } from './problems.js';

export type Path = readonly PropertyKey[];

/**
 * What the load stages after parsing need from an inventory source: its value in the native form and
 * a way back from a path in that value to a position in the file. A YamlSource for a native inventory;
 * a MappedSource (mapped-source.ts) for an Ansible one, whose positions are in the Ansible file.
 */
export type InventorySource = Pick<YamlSource, 'file' | 'toJS' | 'keysAt' | 'offsetOf' | 'report'>;

const YAML_WORDING: Partial<Record<string, string>> = {
  DUPLICATE_KEY: 'duplicate key (each key may appear once per mapping)',
  MULTIPLE_DOCS: 'an inventory is a single YAML document (found a second one)',
};

const TEMPLATE_KEY =
  'a {{ }} template must be quoted in YAML (Ansible refuses it unquoted too); ' +
  'templates are not evaluated; put the value itself here';

export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly at: (offset: number) => SourcePos,
  ) {}

  /**
   * Parse `text`; throws an InputError listing every syntax or structure problem. `customTags`: tags
   * the file may use besides YAML's own (Ansible's `!vault`), so they are not unresolved-tag errors.
   */
  static parse(
    file: string,
    text: string,
    opts: { customTags?: Tags; yaml11?: boolean; notMapping?: string } = {},
  ): YamlSource {
    const { doc, at, problems: yamlProblems } = parseYaml(file, text, opts);
    const src = new YamlSource(file, doc, at);
    const problems = new Problems();
    for (const e of yamlProblems) {
      const detail = YAML_WORDING[e.code] ?? e.message;
      src.report(problems, detail, e.pos[0]);
    }
    problems.throwIfAny();
    if (!isMap(doc.contents)) {
      if (doc.contents === null) throw fileError(file, 'empty inventory: expected a mapping with at least `hosts:`');
      const detail = opts.notMapping ?? 'the inventory must be a mapping (key: value), with at least `hosts:`';
      src.report(problems, detail, start(doc.contents));
    } else {
      src.checkStructure(problems);
      checkAliases(doc.contents, (detail, alias) => src.report(problems, detail, start(alias)));
    }
    problems.throwIfAny();
    return src;
  }

  /** The document as plain JS, for the schema. */
  toJS(): unknown {
    try {
      return this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      // checkAliases() bounds aliases already; this is yaml's own guard agreeing late.
      throw fileError(this.file, `cannot expand aliases: ${(e as Error).message}`);
    }
  }

  pos(offset: number): SourcePos {
    return this.at(offset);
  }

  report(problems: Problems, detail: string, offset: number): void {
    problems.add(detail, this.pos(offset), offset);
  }

  /**
   * Offset of the node at `path` in the parsed value. `key: true` points at the mapping key instead
   * of its value. A missing key points at its parent mapping; a key without value at the key.
   */
  offsetOf(path: Path, opts: { key?: boolean } = {}): number {
    let node: unknown = this.doc.contents;
    for (let i = 0; i < path.length; i++) {
      node = this.deref(node);
      const seg = String(path[i]);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
        if (!pair) return start(node);
        const value = pair.value;
        const emptyValue = !value || (isScalar(value) && value.value === null && !value.source);
        if ((opts.key && i === path.length - 1) || emptyValue) return start(pair.key);
        node = value;
      } else if (isSeq(node) && /^\d+$/.test(seg) && Number(seg) < node.items.length) {
        node = node.items[Number(seg)];
      } else {
        return start(node);
      }
    }
    return start(node);
  }

  /** Keys of the mapping at `path`, in file order (JS objects reorder integer-like keys). */
  keysAt(path: Path): string[] {
    let node: unknown = this.doc.contents;
    for (const seg of path) {
      node = this.deref(node);
      if (!isMap(node)) return [];
      node = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg))?.value;
    }
    node = this.deref(node);
    // A merge key's value is a symbol (Symbol(<<)): it is listed as `<<`.
    const name = (v: unknown): string => (typeof v === 'symbol' ? (v.description ?? '') : String(v));
    return isMap(node) ? node.items.map((p) => name((p.key as { value: unknown }).value)) : [];
  }

  private deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  /** Depth and key kinds; aliases are checked apart (source/aliases.ts), as for every input file. */
  private checkStructure(problems: Problems): void {
    // Stops descending past MAX_DEPTH: one report there, not one per level below.
    const walk = (node: unknown, depth: number): void => {
      if (!isCollection(node)) return;
      if (depth >= MAX_DEPTH) {
        this.report(problems, `nested deeper than ${MAX_DEPTH} levels`, start(node));
        return;
      }
      const seen = new Set<string>();
      for (const item of node.items) {
        if (!isMap(node)) {
          walk(item, depth + 1);
          continue;
        }
        const pair = item as { key: unknown; value: unknown };
        if (!isScalar(pair.key) || pair.key.value === null || typeof pair.key.value === 'object') {
          const at = pair.key && typeof pair.key === 'object' ? start(pair.key) : start(node);
          // `x: {{ v }}` unquoted is a mapping used as a key: a template, which YAML (and Ansible) refuse.
          const template = isMap(pair.key) && (pair.key as { flow?: boolean }).flow === true;
          this.report(problems, template ? TEMPLATE_KEY : 'a key must be a plain name', at);
        } else if (seen.has(String(pair.key.value))) {
          // yaml tells 1 from "1"; the JS object (and a host name) cannot.
          this.report(problems, 'duplicate key (each key may appear once per mapping)', start(pair.key));
        } else {
          seen.add(String(pair.key.value));
          walk(pair.value, depth + 1);
        }
      }
    };
    walk(this.doc.contents, 0);
  }
}

function start(node: unknown): number {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : 0;
}
