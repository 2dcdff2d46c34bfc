// YAML with positions for playbooks: every node maps back to file:line:col for error messages.
// The byte-level guards (size, UTF-8, control characters, nesting depth) are the inventory's.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { InputError, type SourcePos } from '../errors.js';
import { decodeInventory } from '../inventory/decode.js';
import { MAX_ALIAS_COUNT } from '../inventory/yaml-source.js';

export { MAX_ALIAS_COUNT };

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  pos(node: Node | null | undefined): SourcePos;
}

export function readYamlSource(file: string): YamlSource {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
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
  return { file, doc, pos: (node) => at(node?.range?.[0] ?? 0) };
}
