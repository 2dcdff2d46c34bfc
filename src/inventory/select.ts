// --limit and --role, as Ansible users know them: `a,b` union, `!x` exclude, `&x` intersect,
// names of hosts or groups, globs over both. Plain patterns first, then `&`, then `!`, whatever
// the order written; only `!`/`&` patterns start from all hosts.
import { InputError } from '../errors.js';
import type { Host, Inventory, Role } from './types.js';

export interface Selection {
  limit?: string;
  role?: Role;
  /** How errors name the limit: '--limit' (default), or e.g. "the play's hosts". */
  limitName?: string;
}

const LISTED = 20;

export function selectHosts(inv: Inventory, sel: Selection = {}): Host[] {
  const flag = sel.limitName ?? '--limit';
  const terms: { pattern: string; shown: string }[] = [];
  if (sel.limit !== undefined) {
    const patterns = sel.limit
      .split(/[,:]/)
      .map((p) => p.trim())
      .filter((p) => p !== '');
    if (patterns.length === 0) throw new InputError(`${flag} '${sel.limit}' names no host or group`);
    for (const p of patterns) terms.push({ pattern: p, shown: `${flag} '${p}'` });
  }
  if (sel.role) {
    const group = sel.role === 'master' ? 'masters' : 'nodes';
    terms.push({ pattern: terms.length > 0 ? `&${group}` : group, shown: `--role ${sel.role}` });
  }

  const plain = terms.filter((t) => !/^[!&]/.test(t.pattern));
  const intersect = terms.filter((t) => t.pattern.startsWith('&'));
  const exclude = terms.filter((t) => t.pattern.startsWith('!'));
  let chosen = new Set(plain.length > 0 ? [] : inv.hosts.map((h) => h.name));
  for (const t of plain) for (const n of matchTerm(inv, t.pattern, t.shown)) chosen.add(n);
  for (const t of intersect) {
    const keep = matchTerm(inv, t.pattern.slice(1), t.shown);
    chosen = new Set([...chosen].filter((n) => keep.has(n)));
  }
  for (const t of exclude) for (const n of matchTerm(inv, t.pattern.slice(1), t.shown)) chosen.delete(n);

  const hosts = inv.hosts.filter((h) => chosen.has(h.name));
  if (hosts.length === 0) {
    const what = [sel.limit !== undefined ? `${flag} '${sel.limit}'` : '', sel.role ? `--role ${sel.role}` : '']
      .filter(Boolean)
      .join(' with ');
    throw noMatch(inv, what);
  }
  return hosts;
}

/** Host names matched by one pattern (without its !/& prefix); none is an error, as it is likely a typo. */
function matchTerm(inv: Inventory, pattern: string, shown: string): Set<string> {
  const out = new Set<string>();
  if (inv.hosts.some((h) => h.name === pattern)) out.add(pattern);
  else if (Object.hasOwn(inv.groups, pattern)) for (const n of inv.groups[pattern]) out.add(n);
  else if (/[*?[]/.test(pattern)) {
    const re = globToRegExp(pattern);
    for (const h of inv.hosts) if (re.test(h.name)) out.add(h.name);
    for (const [g, members] of Object.entries(inv.groups)) if (re.test(g)) for (const n of members) out.add(n);
  }
  if (out.size === 0) throw noMatch(inv, shown);
  return out;
}

/** fnmatch-style: `*` any run, `?` one character, `[...]` a class (`[!...]` negated). */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    const close = c === '[' ? glob.indexOf(']', i + 2) : -1;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (close !== -1) {
      let body = glob.slice(i + 1, close).replace(/[\\^\]]/g, '\\$&');
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += `[${body}]`;
      i = close;
    } else re += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

function noMatch(inv: Inventory, what: string): InputError {
  const list = (names: string[]): string =>
    names.length > LISTED ? `${names.slice(0, LISTED).join(', ')}, ...` : names.join(', ');
  return new InputError(
    `${what} matches no host ` +
      `(known hosts: ${list(inv.hosts.map((h) => h.name))}, groups: ${list(Object.keys(inv.groups))})`,
  );
}
