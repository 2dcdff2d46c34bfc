// Ansible's INI inventory (`-i hosts.ini`) → AnsibleInventory, as Ansible's own ini plugin reads it:
// `[group]` lists hosts (`name key=value ...`, shell-quoted), `[group:vars]` one `key=value` a line,
// `[group:children]` child groups; lines before the first section are ungrouped hosts; `#` and `;`
// start comments. Values are read as Ansible does (Python literals), with YAML flow for {..} and [..].
import { parse as parseYaml } from 'yaml';
import { posIn } from '../source/position.js';
import { AnsibleInventory, parseHostPattern } from './ansible-model.js';
import { Problems } from './problems.js';

type State = 'hosts' | 'vars' | 'children';

interface Token {
  text: string;
  /** Offset of the token's first character, and of the character after its first unquoted `=`. */
  at: number;
  valueAt?: number;
}

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:[#;].*)?$/;

export function parseAnsibleIni(file: string, text: string): AnsibleInventory {
  const inv = new AnsibleInventory();
  const problems = new Problems();
  const fail = (detail: string, offset: number): void => problems.add(detail, posIn(file, text, offset), offset);
  // A group exists once it has a [name] or [name:children] section; the rest may only refer to it.
  const declared = new Set(['all', 'ungrouped']);
  const references: { group: string; at: number; what: string }[] = [];

  let group = 'ungrouped';
  let state: State = 'hosts';
  let lineStart = 0;
  for (const rawLine of text.split('\n')) {
    const start = lineStart;
    lineStart += rawLine.length + 1;
    const line = rawLine.replace(/\r$/, '');
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    const at = start + indent;
    if (body === '' || body.startsWith('#') || body.startsWith(';')) continue;

    const section = SECTION.exec(body);
    if (section) {
      const kind = section[2] ?? 'hosts';
      if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') {
        fail(
          `section [${section[1]}:${kind}] has an unknown type '${kind}' (use [name], [name:vars] or [name:children])`,
          at,
        );
        state = 'vars';
        group = section[1];
        continue;
      }
      group = section[1];
      state = kind;
      inv.group(group, at + 1);
      if (state === 'vars') references.push({ group, at: at + 1, what: `[${group}:vars]` });
      else declared.add(group);
      continue;
    }
    if (body.startsWith('[')) {
      fail('not a section header: write [name], [name:vars] or [name:children], without spaces', at);
      continue;
    }

    if (state === 'children') {
      const m = GROUP_NAME.exec(body);
      if (!m) fail(`expected a group name in [${group}:children], got: ${body}`, at);
      else {
        inv.addChild(group, m[1], at);
        references.push({ group: m[1], at, what: `[${group}:children]` });
      }
    } else if (state === 'vars') {
      const eq = body.indexOf('=');
      if (eq <= 0) {
        fail(`expected key=value in [${group}:vars]`, at);
        continue;
      }
      const name = body.slice(0, eq).trim();
      const valueText = body.slice(eq + 1);
      const lead = valueText.length - valueText.trimStart().length;
      // As Python's literal_eval: a comment after a quoted string, a number or a list ends the value; after
      // a bare word it does not (`user=ops # admin` is the string "ops # admin" to Ansible).
      const raw = valueText.trim();
      const stripped = stripComment(raw);
      let value = parseIniValue(stripped, name);
      if (typeof value === 'string' && stripped !== raw && !/^['"]/.test(stripped)) value = raw;
      inv.group(group, at).vars.set(name, { name, value, keyAt: at, valueAt: at + eq + 1 + lead });
    } else {
      hostLine(inv, group, body, at, fail);
    }
  }

  for (const ref of references) {
    if (!declared.has(ref.group)) {
      fail(
        `${ref.what} names group '${ref.group}', which has no [${ref.group}] or [${ref.group}:children] section`,
        ref.at,
      );
    }
  }
  problems.throwIfAny();
  inv.reconcile();
  return inv;
}

/** `name[:port] key=value ...`: the host (or hosts, for a range) joins `group` with these vars. */
function hostLine(
  inv: AnsibleInventory,
  group: string,
  body: string,
  at: number,
  fail: (d: string, o: number) => void,
): void {
  let tokens: Token[];
  try {
    tokens = tokenize(body, at);
  } catch (e) {
    fail((e as Error).message, at);
    return;
  }
  if (tokens.length === 0) return;
  const [first, ...assignments] = tokens;
  let names: string[];
  let port: number | undefined;
  try {
    ({ names, port } = parseHostPattern(first.text));
  } catch (e) {
    fail((e as Error).message, first.at);
    return;
  }
  const vars: { name: string; value: unknown; keyAt: number; valueAt: number }[] = [];
  if (port !== undefined) vars.push({ name: 'ansible_port', value: port, keyAt: first.at, valueAt: first.at });
  for (const t of assignments) {
    const eq = t.text.indexOf('=');
    if (eq <= 0 || t.valueAt === undefined) {
      fail(`expected key=value after the host name, got: ${t.text}`, t.at);
      continue;
    }
    vars.push({
      name: t.text.slice(0, eq),
      value: parseIniValue(t.text.slice(eq + 1), t.text.slice(0, eq)),
      keyAt: t.at,
      valueAt: t.valueAt,
    });
  }
  for (const name of names) {
    const host = inv.addHost(group, name, first.at);
    for (const v of vars) host.vars.set(v.name, { ...v });
  }
}

/**
 * Splits a host line as POSIX shell words (Ansible uses shlex with comments): whitespace separates,
 * quotes group, a backslash escapes, `#` at the start of a word begins a comment.
 */
function tokenize(line: string, base: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length || line[i] === '#') break;
    const tok: Token = { text: '', at: base + i };
    while (i < line.length && !/\s/.test(line[i])) {
      const c = line[i];
      if (c === "'" || c === '"') {
        const close = findClose(line, i);
        if (close < 0) throw new Error(`unclosed ${c === '"' ? 'double' : 'single'} quote`);
        const inner = line.slice(i + 1, close);
        tok.text += c === '"' ? inner.replace(/\\(["\\$`])/g, '$1') : inner;
        i = close + 1;
      } else if (c === '\\' && i + 1 < line.length) {
        tok.text += line[i + 1];
        i += 2;
      } else {
        if (c === '=' && tok.valueAt === undefined) tok.valueAt = base + i + 1;
        tok.text += c;
        i++;
      }
    }
    tokens.push(tok);
  }
  return tokens;
}

function findClose(line: string, open: number): number {
  const q = line[open];
  for (let i = open + 1; i < line.length; i++) {
    if (q === '"' && line[i] === '\\') i++;
    else if (line[i] === q) return i;
  }
  return -1;
}

/** `value # comment` → value; a `#` inside quotes or without a space before it stays. */
function stripComment(v: string): string {
  if (v.startsWith('"') || v.startsWith("'")) {
    const close = findClose(v, 0);
    if (close > 0 && /^\s*(#.*)?$/.test(v.slice(close + 1))) return v.slice(0, close + 1);
    return v;
  }
  return v.replace(/\s+#.*$/, '');
}

/**
 * What Python's literal_eval reads in a {..} or [..] value: quoted strings, numbers, True/False/None,
 * brackets, commas and colons. Such a value is read as YAML flow (which agrees on these).
 */
const PY_LITERAL =
  /^(?:\s+|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|True|False|None|[[\]{}(),:])*$/;

/**
 * An INI value as Ansible reads it (Python's literal_eval): quoted → string, integers and floats →
 * numbers, True/False → booleans, None → null, Python lists and dicts; anything else is the string itself.
 */
function parseIniValue(v: string, name: string): unknown {
  const quoted = /^(['"])([\s\S]*)\1$/.exec(v);
  if (quoted) return quoted[2].replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c);
  if (/^[+-]?\d+$/.test(v)) return Number(v);
  if (/^[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) return Number(v);
  if (v === 'True' || v === 'False') return v === 'True';
  if (v === 'None') return null;
  // Only what Python's literal_eval reads (quoted strings, numbers, True/False/None, brackets): anything
  // else, `[2001:db8::1]` or a `{{ template }}`, stays its text, as it does for Ansible. ovnctl's own
  // vars, which Ansible never uses, may be any YAML flow (`ovnctl_cluster_k8s_token={env: NAME}`).
  const flow = name.startsWith('ovnctl_') ? !/^\{[{%]/.test(v) : PY_LITERAL.test(v);
  if ((v.startsWith('{') || v.startsWith('[')) && flow) {
    try {
      return parseYaml(v, { strict: true, uniqueKeys: true, logLevel: 'error' });
    } catch {
      return v;
    }
  }
  return v;
}
