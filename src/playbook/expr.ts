// The small expression language of `when:` and `{{ }}`: dotted paths (a.b[0].c), string/number/bool
// literals, == != in, not/and/or, parentheses, and a `| join(',')` / `| length` filter. Deliberately
// small: no calls, no assignment, so a playbook can never run code on the controller.

export class ExprError extends Error {}

type Node =
  | { t: 'lit'; v: unknown }
  | { t: 'path'; parts: (string | number)[]; text: string }
  | { t: 'not'; e: Node }
  | { t: 'bin'; op: string; l: Node; r: Node }
  | { t: 'filter'; name: string; arg?: Node; e: Node }
  | { t: 'list'; items: Node[] };

const PUNCT = /==|!=|\(|\)|\[|\]|,|\|/;
const STRING = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/;
const NUMBER = /-?\d+(?:\.\d+)?/;
const PATH = /[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])*/;
const TOKEN = new RegExp(`\\s*(?:(${PUNCT.source})|(${STRING.source})|(${NUMBER.source})|(${PATH.source}))`, 'y');

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new ExprError(`cannot read expression at "${src.slice(at).trim()}"`);
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  }
  return out;
}

export function parseExpr(src: string): Node {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const expect = (t: string) => {
    if (next() !== t) throw new ExprError(`expected "${t}" in "${src}"`);
  };
  const orExpr = (): Node => {
    let l = andExpr();
    while (peek() === 'or') {
      next();
      l = { t: 'bin', op: 'or', l, r: andExpr() };
    }
    return l;
  };
  const andExpr = (): Node => {
    let l = notExpr();
    while (peek() === 'and') {
      next();
      l = { t: 'bin', op: 'and', l, r: notExpr() };
    }
    return l;
  };
  const notExpr = (): Node => {
    if (peek() !== 'not') return cmpExpr();
    next();
    return { t: 'not', e: notExpr() };
  };
  const cmpExpr = (): Node => {
    const l = filterExpr();
    const op = peek();
    if (op === '==' || op === '!=' || op === 'in') {
      next();
      return { t: 'bin', op, l, r: filterExpr() };
    }
    if (op === 'not' && toks[i + 1] === 'in') {
      i += 2;
      return { t: 'not', e: { t: 'bin', op: 'in', l, r: filterExpr() } };
    }
    return l;
  };
  const filterExpr = (): Node => {
    let e = atom();
    while (peek() === '|') {
      next();
      const name = next();
      if (name !== 'join' && name !== 'length' && name !== 'default') throw new ExprError(`unknown filter "${name}"`);
      let arg: Node | undefined;
      if (peek() === '(') {
        next();
        arg = atom();
        expect(')');
      }
      e = { t: 'filter', name, arg, e };
    }
    return e;
  };
  const atom = (): Node => {
    const tok = next();
    if (tok === undefined) throw new ExprError(`unexpected end of expression "${src}"`);
    if (tok === '(') {
      const e = orExpr();
      expect(')');
      return e;
    }
    if (tok === '[') {
      const items: Node[] = [];
      while (peek() !== ']') {
        items.push(orExpr());
        if (peek() === ',') next();
        else if (peek() !== ']') throw new ExprError(`expected "," or "]" in "${src}"`);
      }
      next();
      return { t: 'list', items };
    }
    if (/^['"]/.test(tok)) return { t: 'lit', v: tok.slice(1, -1).replace(/\\(.)/g, '$1') };
    if (/^-?\d/.test(tok)) return { t: 'lit', v: Number(tok) };
    if (tok === 'true' || tok === 'false') return { t: 'lit', v: tok === 'true' };
    if (tok === 'null') return { t: 'lit', v: null };
    if (/^[A-Za-z_]/.test(tok)) {
      const parts: (string | number)[] = [];
      for (const m of tok.matchAll(/([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]/g)) parts.push(m[1] ?? Number(m[2]));
      return { t: 'path', parts, text: tok };
    }
    throw new ExprError(`unexpected "${tok}" in "${src}"`);
  };
  const e = orExpr();
  if (i < toks.length) throw new ExprError(`unexpected "${toks[i]}" in "${src}"`);
  return e;
}

function lookup(ns: Record<string, unknown>, node: Extract<Node, { t: 'path' }>, lenient: boolean): unknown {
  let cur: unknown = ns;
  for (const p of node.parts) {
    if (cur !== null && typeof cur === 'object' && Object.hasOwn(cur, p)) {
      cur = (cur as Record<string | number, unknown>)[p];
    } else if (lenient) {
      return undefined;
    } else {
      throw new ExprError(`unknown variable "${node.text}"`);
    }
  }
  return cur;
}

export function evaluate(node: Node, ns: Record<string, unknown>): unknown {
  switch (node.t) {
    case 'lit':
      return node.v;
    case 'path':
      return lookup(ns, node, false);
    case 'list':
      return node.items.map((n) => evaluate(n, ns));
    case 'not':
      return !truthy(evaluate(node.e, ns));
    case 'filter': {
      if (node.name === 'default') {
        const v = node.e.t === 'path' ? lookup(ns, node.e, true) : evaluate(node.e, ns);
        return v === undefined || v === null ? (node.arg ? evaluate(node.arg, ns) : '') : v;
      }
      const v = evaluate(node.e, ns);
      if (node.name === 'length')
        return Array.isArray(v) || typeof v === 'string' ? v.length : Object.keys(v ?? {}).length;
      if (!Array.isArray(v)) throw new ExprError('join needs a list');
      return v.join(node.arg ? String(evaluate(node.arg, ns)) : ',');
    }
    case 'bin': {
      if (node.op === 'and') return truthy(evaluate(node.l, ns)) && truthy(evaluate(node.r, ns));
      if (node.op === 'or') return truthy(evaluate(node.l, ns)) || truthy(evaluate(node.r, ns));
      const l = evaluate(node.l, ns);
      const r = evaluate(node.r, ns);
      if (node.op === '==') return l === r;
      if (node.op === '!=') return l !== r;
      if (Array.isArray(r)) return r.includes(l);
      if (typeof r === 'string') return r.includes(String(l));
      if (r && typeof r === 'object') return Object.hasOwn(r, String(l));
      throw new ExprError('"in" needs a list, string or mapping on its right');
    }
  }
}

export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v);
}

export function evalExpr(src: string, ns: Record<string, unknown>): unknown {
  return evaluate(parseExpr(src), ns);
}

const TEMPLATE = /\{\{(.*?)\}\}/g;

/** Render `{{ expr }}` in a string; a string that is one whole `{{ expr }}` keeps the value's type. */
export function renderTemplate(text: string, ns: Record<string, unknown>): unknown {
  // Only the exact text `{{ expr }}` keeps the value's type; surrounding text (a newline) is kept.
  const whole = /^\{\{(.*?)\}\}$/.exec(text);
  if (whole && !whole[1].includes('}}')) return evalExpr(whole[1], ns);
  return text.replace(TEMPLATE, (_m, e: string) => {
    const v = evalExpr(e, ns);
    return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? '');
  });
}

/** Render every string inside a value (args of a task). */
export function renderDeep(value: unknown, ns: Record<string, unknown>): unknown {
  if (typeof value === 'string') return value.includes('{{') ? renderTemplate(value, ns) : value;
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, ns));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, ns)]));
  }
  return value;
}
