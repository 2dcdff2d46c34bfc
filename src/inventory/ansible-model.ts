// An Ansible inventory as its two file formats (INI, YAML) both describe it: groups with hosts, child
// groups and vars; hosts with vars. Every name and value keeps its offset in the file, so the mapping
// onto ovnctl's inventory (ansible-map.ts) can report problems at the line the user wrote.
import type { Path } from './yaml-source.js';

export interface AnsibleVar {
  name: string;
  value: unknown;
  /** Offsets of the name and of the value in the file. */
  keyAt: number;
  valueAt: number;
  /** For a structured value in a YAML file: the offset of a path inside it. */
  inner?: (rest: Path) => number;
}

export interface AnsibleGroup {
  name: string;
  /** Offset of the group's first mention. */
  at: number;
  hosts: string[];
  children: { name: string; at: number }[];
  vars: Map<string, AnsibleVar>;
}

export interface AnsibleHost {
  name: string;
  /** Offset of the host's first mention. */
  at: number;
  vars: Map<string, AnsibleVar>;
}

/** `all` and `ungrouped` exist in every Ansible inventory. */
export class AnsibleInventory {
  readonly groups = new Map<string, AnsibleGroup>();
  /** In the order of their first mention in the file. */
  readonly hosts = new Map<string, AnsibleHost>();
  /** Vars from group_vars/ and host_vars/ beside the inventory, by group or host name (ansible-var-files.ts). */
  readonly groupFileVars = new Map<string, Map<string, AnsibleVar>>();
  readonly hostFileVars = new Map<string, Map<string, AnsibleVar>>();

  constructor() {
    this.group('all', 0);
    this.group('ungrouped', 0);
  }

  group(name: string, at: number): AnsibleGroup {
    const known = this.groups.get(name);
    if (known) return known;
    const g: AnsibleGroup = { name, at, hosts: [], children: [], vars: new Map() };
    this.groups.set(name, g);
    return g;
  }

  /** Adds `host` to `group` (once), creating the host on its first mention. */
  addHost(group: string, host: string, at: number): AnsibleHost {
    let h = this.hosts.get(host);
    if (!h) {
      h = { name: host, at, vars: new Map() };
      this.hosts.set(host, h);
    }
    const g = this.group(group, at);
    if (!g.hosts.includes(host)) g.hosts.push(host);
    return h;
  }

  /**
   * Ansible's reconcile_inventory: `ungrouped` holds exactly the hosts in no other group (a host listed
   * before the first INI section, or under [all], and also in a group later is not ungrouped).
   */
  reconcile(): void {
    const grouped = new Set<string>();
    for (const g of this.groups.values())
      if (g.name !== 'all' && g.name !== 'ungrouped') for (const h of g.hosts) grouped.add(h);
    const ungrouped = this.groups.get('ungrouped')!;
    ungrouped.hosts = ungrouped.hosts.filter((h) => !grouped.has(h));
    const direct = new Set([...ungrouped.hosts, ...grouped]);
    for (const h of this.hosts.keys()) if (!direct.has(h)) ungrouped.hosts.push(h);
  }

  /**
   * Adds what another file of the same inventory (a directory of them) says, its offsets moved by `base`
   * into SourceFiles' space: groups, hosts, children, and vars that replace earlier ones, in file order.
   */
  merge(other: AnsibleInventory, base: number): void {
    const moved = (vars: Map<string, AnsibleVar>, into: Map<string, AnsibleVar>): void => {
      for (const [k, v] of vars) {
        const inner = v.inner;
        into.set(k, {
          ...v,
          keyAt: v.keyAt + base,
          valueAt: v.valueAt + base,
          ...(inner ? { inner: (rest: Path) => inner(rest) + base } : {}),
        });
      }
    };
    for (const h of other.hosts.values()) {
      const known = this.hosts.get(h.name);
      if (!known) this.hosts.set(h.name, { name: h.name, at: h.at + base, vars: new Map() });
      moved(h.vars, this.hosts.get(h.name)!.vars);
    }
    for (const g of other.groups.values()) {
      const into = this.group(g.name, g.at + base);
      for (const h of g.hosts) if (!into.hosts.includes(h)) into.hosts.push(h);
      for (const c of g.children) this.addChild(g.name, c.name, c.at + base);
      moved(g.vars, into.vars);
    }
  }

  addChild(parent: string, child: string, at: number): void {
    const p = this.group(parent, at);
    if (!p.children.some((c) => c.name === child)) p.children.push({ name: child, at });
  }
}

/** Ansible's truth values (its `boolean()` filter), or undefined when `v` is none of them. */
export function ansibleBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (['yes', 'on', '1', 'true', 't', 'y'].includes(s)) return true;
  if (['no', 'off', '0', 'false', 'f', 'n'].includes(s)) return false;
  return undefined;
}

/** A host pattern yields at most this many hosts: `n[1:99999999]` is a typo, not a cluster. */
const MAX_EXPANDED = 10_000;
/** Python's string.ascii_letters: Ansible's letter ranges index into it, so [a:C] is a..z then A..C. */
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Ansible's host ranges (its expand_hostname_range): `n[1:3]` → n1 n2 n3, `n[01:10:2]` keeps the zero
 * padding and steps by 2, `n[:2]` starts at 0, `rack-[a:c]` and `[A:C]` are letters; several ranges
 * in one pattern multiply. Throws an Error whose message says what is wrong with the pattern.
 */
export function expandHostPattern(pattern: string): string[] {
  const open = pattern.indexOf('[');
  if (open < 0) return [pattern];
  const close = pattern.indexOf(']', open);
  if (close < 0) throw new Error(`host pattern ${pattern} has a [ without its ]`);
  const [head, range, tail] = [pattern.slice(0, open), pattern.slice(open + 1, close), pattern.slice(close + 1)];
  const parts = range.split(':');
  if (parts.length < 2 || parts.length > 3)
    throw new Error(`host range [${range}] must be [start:end] or [start:end:step]`);
  const [beg = '0', end, stepText = '1'] = [parts[0] || '0', parts[1], parts[2]];
  if (end === '') throw new Error(`host range [${range}] has no end`);
  if (!/^[1-9]\d*$/.test(stepText)) throw new Error(`host range [${range}]: the step must be a positive whole number`);
  const step = Number(stepText);
  const width = beg.length > 1 && beg.startsWith('0') ? beg.length : 0;
  if (width && width !== end.length)
    throw new Error(`host range [${range}]: a zero-padded start and the end must have the same width`);
  let items: string[];
  const [la, lb] = [LETTERS.indexOf(beg), LETTERS.indexOf(end)];
  if (/^[a-zA-Z]$/.test(beg) && /^[a-zA-Z]$/.test(end)) {
    if (lb < la) throw new Error(`host range [${range}]: the end is before the start`);
    items = [];
    for (let i = la; i <= lb; i += step) items.push(LETTERS[i]);
  } else if (/^\d+$/.test(beg) && /^\d+$/.test(end)) {
    const [a, b] = [Number(beg), Number(end)];
    if (b < a) throw new Error(`host range [${range}]: the end is before the start`);
    if ((b - a) / step >= MAX_EXPANDED) throw new Error(`host range [${range}] has more than ${MAX_EXPANDED} hosts`);
    items = [];
    for (let i = a; i <= b; i += step) items.push(String(i).padStart(width, '0'));
  } else {
    throw new Error(`host range [${range}] must be numbers ([1:3], [01:10]) or letters ([a:c], [A:C])`);
  }
  const tails = expandHostPattern(tail);
  if (items.length * tails.length > MAX_EXPANDED)
    throw new Error(`host pattern ${pattern} has more than ${MAX_EXPANDED} hosts`);
  return items.flatMap((item) => tails.map((t) => head + item + t));
}

const BRACKETED_PORT = /^\[(.+)\]:(\d+)$/;
const HOST_PORT = /^((?:[^:[\]]|\[[^\]]*\])*):(\d+)$/;
const RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const LABEL = String.raw`(?:[\p{L}\p{N}_]|${RANGE})(?:[\p{L}\p{N}_-]|${RANGE})*(?<![_-])`;
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, 'iu');
/** An IPv6 address, possibly with hexadecimal ranges in it; the exact form is checked by the schema. */
const IPV6ISH = /^(?=.*:.*:)(?:[0-9a-f:.]|\[[0-9a-f]+:[0-9a-f]+(?::\d+)?\])+$/i;

/**
 * A host entry as Ansible reads it (parse_address, then its ranges): `name`, `name:port`, `[name]:port`,
 * `[2001:db8::11]:2222`, a bare IPv6 address (its colons are not a port), `n[1:3]:22`. A pattern that is
 * not a valid host identifier is, as in Ansible, taken whole as the host's name.
 */
export function parseHostPattern(entry: string): { names: string[]; port?: number } {
  let address = entry;
  let port: number | undefined;
  for (const re of [BRACKETED_PORT, HOST_PORT]) {
    const m = re.exec(address);
    if (m) [address, port] = [m[1], Number(m[2])];
  }
  if (!HOSTNAME.test(address) && !IPV6ISH.test(address)) [address, port] = [entry, undefined];
  return { names: expandHostPattern(address), ...(port !== undefined ? { port } : {}) };
}

/** Group → every host in it or in its child groups; a group that contains itself is an error. */
export function groupMembers(
  inv: AnsibleInventory,
  fail: (detail: string, offset: number) => void,
): Map<string, Set<string>> {
  const done = new Map<string, Set<string>>();
  const visiting = new Set<string>();
  const visit = (name: string): Set<string> => {
    const known = done.get(name);
    if (known) return known;
    const g = inv.groups.get(name)!;
    visiting.add(name);
    const set = new Set(name === 'all' ? inv.hosts.keys() : g.hosts);
    for (const child of g.children) {
      if (visiting.has(child.name)) {
        fail(`group '${child.name}' is a child of '${name}' and also one of its ancestors (a loop)`, child.at);
        continue;
      }
      for (const h of visit(child.name)) set.add(h);
    }
    visiting.delete(name);
    done.set(name, set);
    return set;
  };
  for (const name of inv.groups.keys()) visit(name);
  return done;
}

/**
 * The groups of a host in the order their vars apply (Ansible's sort_groups): by depth, then by
 * ansible_group_priority (default 1; it is read from the inventory's own group vars only), then by name.
 */
export function sortGroups(inv: AnsibleInventory, groups: string[]): string[] {
  const depth = groupDepths(inv);
  const priority = (g: string): number => {
    const v = inv.groups.get(g)?.vars.get('ansible_group_priority')?.value;
    const n = typeof v === 'string' && /^[+-]?\d+$/.test(v.trim()) ? Number(v) : v;
    return typeof n === 'number' && Number.isInteger(n) ? n : 1;
  };
  const key = new Map(groups.map((g) => [g, [depth(g), priority(g)] as const]));
  return [...groups].sort((a, b) => {
    const [ka, kb] = [key.get(a)!, key.get(b)!];
    return ka[0] - kb[0] || ka[1] - kb[1] || (a < b ? -1 : a > b ? 1 : 0);
  });
}

/** Ansible's group depth: all is 0, a group's depth is one more than its deepest parent's. */
export function groupDepths(inv: AnsibleInventory): (group: string) => number {
  const parents = new Map<string, string[]>();
  for (const g of inv.groups.values())
    for (const c of g.children) parents.set(c.name, [...(parents.get(c.name) ?? []), g.name]);
  const memo = new Map<string, number>();
  const depth = (g: string): number => {
    if (g === 'all') return 0;
    let d = memo.get(g);
    if (d === undefined) {
      d = 1 + Math.max(0, ...(parents.get(g) ?? []).map(depth));
      memo.set(g, d);
    }
    return d;
  };
  return depth;
}
