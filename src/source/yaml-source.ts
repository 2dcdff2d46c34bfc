// An input file as a YAML document with positions: every node maps back to file:line:col for messages.
// readYamlSource is the whole way in for a playbook (read, decode, parse, aliases), stopping at the
// first problem; the inventory (inventory/yaml-source.ts) uses parseYaml and collects its problems.
import { LineCounter, parseDocument, type Document, type Node, type Tags, type YAMLError } from 'yaml';
import { InputError, type SourcePos } from '../errors.js';
import { checkAliases } from './aliases.js';
import { decodeText } from './decode.js';
import { MAX_ALIAS_COUNT } from './limits.js';
import { readCappedSync } from './read.js';

export { MAX_ALIAS_COUNT };

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  pos(node: Node | null | undefined): SourcePos;
}

export interface ParsedYaml extends YamlSource {
  /** Position of an offset in the text. */
  at(offset: number): SourcePos;
  /** yaml's errors, then its warnings: an unresolved tag (`!foo`) silently becoming a string is wrong too. */
  problems: YAMLError[];
}

/**
 * Parses `text` strictly (unique keys, no unresolved tags), without judging it: the caller decides how
 * to report `problems`. `customTags`: tags the file may use besides YAML's own (Ansible's `!vault`);
 * `yaml11`: read it as YAML 1.1 (Ansible's files: yes/no are booleans, `<<` merges).
 */
export function parseYaml(file: string, text: string, opts: { customTags?: Tags; yaml11?: boolean } = {}): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
    // yaml's own warnings (e.g. "Keys with collection values will be stringified") would go to stderr
    // unasked; every problem that matters is reported by the caller, with its position.
    logLevel: 'error',
    // YAML 1.1, as Ansible's PyYAML reads it (yes/no booleans, `<<: *defaults` merge keys): where asked.
    ...(opts.yaml11 ? { version: '1.1' as const } : {}),
    ...(opts.customTags ? { customTags: opts.customTags } : {}),
  });
  const at = (offset: number): SourcePos => ({ file, ...lineCounter.linePos(offset) });
  const pos = (node: Node | null | undefined): SourcePos => at(node?.range?.[0] ?? 0);
  return { file, doc, at, pos, problems: [...doc.errors, ...doc.warnings] };
}

/** Reads, checks and parses `file`; any problem is an InputError naming it as `what` where it matters. */
export function readYamlSource(file: string, what = 'playbook'): YamlSource {
  const text = decodeText(file, readCappedSync(file, what), what);
  const { doc, at, pos, problems } = parseYaml(file, text);
  const err = problems[0];
  if (err) throw new InputError(err.message.split('\n')[0], at(err.pos[0]));
  checkAliases(doc.contents, (detail, alias) => {
    throw new InputError(detail, pos(alias));
  });
  return { file, doc, pos };
}
