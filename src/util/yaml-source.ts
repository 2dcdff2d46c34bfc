// YAML with positions for playbooks: every node maps back to file:line:col for error messages.
// The byte-level guards (size, UTF-8, control characters, nesting depth) are the inventory's.
import { closeSync, openSync, readSync } from 'node:fs';
import { LineCounter, isAlias, isCollection, isMap, parseDocument, type Document, type Node } from 'yaml';
import { InputError, type SourcePos } from '../errors.js';
import { MAX_BYTES, decodeInventory } from '../inventory/decode.js';
import { MAX_ALIAS_COUNT } from '../inventory/yaml-source.js';

export { MAX_ALIAS_COUNT };

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  pos(node: Node | null | undefined): SourcePos;
}

/** Nodes that aliases may add in total (the inventory's bound): a billion-laughs file stops here. */
const MAX_ALIAS_EXPANSION = 100_000;

export function readYamlSource(file: string): YamlSource {
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    // At most MAX_BYTES + 1 bytes: `run /dev/zero` or a huge file fails fast instead of filling memory.
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(MAX_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    bytes = buf.subarray(0, n);
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return parseYamlSource(file, bytes);
}

export function parseYamlSource(file: string, bytes: Uint8Array): YamlSource {
  const text = decodeInventory(file, bytes);
  const lineCounter = new LineCounter();
  const at = (offset: number): SourcePos => ({ file, ...lineCounter.linePos(offset) });
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const err = doc.errors[0] ?? doc.warnings[0];
  if (err) throw new InputError(err.message.split('\n')[0], at(err.pos[0]));
  const pos = (node: Node | null | undefined) => at(node?.range?.[0] ?? 0);
  checkAliases(doc, pos);
  return { file, doc, pos };
}

/**
 * Every alias names an earlier anchor, and all of them together expand to a bounded size; otherwise an
 * InputError at the alias (yaml's own guard in toJS throws later, with no position).
 */
function checkAliases(doc: Document.Parsed, pos: (node: Node) => SourcePos): void {
  const sizes = new Map<string, number>();
  let expansion = 0;
  const walk = (node: unknown): number => {
    if (!node || typeof node !== 'object') return 0;
    const n = node as Node;
    if (isAlias(n)) {
      const size = sizes.get(n.source);
      if (size === undefined) throw new InputError(`alias *${n.source} has no anchor &${n.source} before it`, pos(n));
      expansion += size;
      if (expansion > MAX_ALIAS_EXPANSION) throw new InputError(`aliases expand to more than ${MAX_ALIAS_EXPANSION} nodes`, pos(n));
      return size;
    }
    let size = 1;
    if (isCollection(n)) {
      for (const item of n.items) {
        if (isMap(n)) {
          const pair = item as { key: unknown; value: unknown };
          size += walk(pair.key) + walk(pair.value);
        } else size += walk(item);
      }
    }
    if (n.anchor) sizes.set(n.anchor, size);
    return size;
  };
  walk(doc.contents);
}
