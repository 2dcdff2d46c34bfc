// An inventory read from another format (Ansible INI or YAML): the native-form value the schema checks,
// and anchors from paths in that value back to the place in the original file that supplied them, so a
// problem found by the native stages is still reported at the file:line:col the user wrote.
import type { Problems } from './problems.js';
import type { SourceFiles } from './source-files.js';
import type { InventorySource, Path } from './yaml-source.js';

/** Where a native value came from: the offset of its name and of its value (in SourceFiles' space). */
export interface Anchor {
  key: number;
  value: number;
  /** For a structured value (a mapping in an Ansible YAML file): the offset of a path inside it. */
  inner?: (rest: Path) => number;
}

export class MappedSource implements InventorySource {
  readonly #anchors = new Map<string, Anchor>();
  readonly #order = new Map<string, string[]>();

  readonly file: string;

  constructor(
    private readonly files: SourceFiles,
    private readonly value: Record<string, unknown>,
  ) {
    this.file = files.main.file;
  }

  /** Records that the native value at `path` came from `anchor`. */
  anchor(path: Path, anchor: Anchor): void {
    this.#anchors.set(pathKey(path), anchor);
  }

  /** File order of the keys of the mapping at `path` (a JS object puts integer-like keys first). */
  setOrder(path: Path, keys: string[]): void {
    this.#order.set(pathKey(path), keys);
  }

  toJS(): unknown {
    return structuredClone(this.value);
  }

  keysAt(path: Path): string[] {
    const ordered = this.#order.get(pathKey(path));
    if (ordered) return [...ordered];
    let node: unknown = this.value;
    for (const seg of path) {
      node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[seg] : undefined;
    }
    return node && typeof node === 'object' && !Array.isArray(node) ? Object.keys(node) : [];
  }

  /** The anchor of the longest recorded prefix of `path`; its key offset when `path` itself is a key. */
  offsetOf(path: Path, opts: { key?: boolean } = {}): number {
    for (let n = path.length; n >= 0; n--) {
      const a = this.#anchors.get(pathKey(path.slice(0, n)));
      if (!a) continue;
      if (n === path.length) return opts.key ? a.key : a.value;
      return a.inner ? a.inner(path.slice(n)) : a.value;
    }
    return 0;
  }

  report(problems: Problems, detail: string, offset: number): void {
    problems.add(detail, this.files.pos(offset), offset);
  }
}

function pathKey(path: Path): string {
  return JSON.stringify(path.map(String));
}
