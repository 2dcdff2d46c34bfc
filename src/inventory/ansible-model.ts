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

/**
 * Ansible's host ranges: `n[1:3]` → n1 n2 n3, `n[01:10:2]` keeps the zero padding and steps by 2,
 * `rack-[a:c]` → rack-a rack-b rack-c; several ranges in one pattern multiply. Throws an Error whose
 * message says what is wrong with the pattern.
 */
export function expandHostPattern(pattern: string): string[] {
  const m = /^(.*?)\[([^\]]*)\](.*)$/.exec(pattern);
  if (!m) return [pattern];
  const [, head, range, tail] = m;
  const parts = range.split(':');
  if (parts.length < 2 || parts.length > 3)
    throw new Error(`host range [${range}] must be [start:end] or [start:end:step]`);
  const [beg, end, stepText = '1'] = parts;
  if (!/^[1-9]\d*$/.test(stepText)) throw new Error(`host range [${range}]: the step must be a positive whole number`);
  const step = Number(stepText);
  let items: string[];
  if (/^\d+$/.test(beg) && /^\d+$/.test(end)) {
    const [a, b] = [Number(beg), Number(end)];
    if (b < a) throw new Error(`host range [${range}]: the end is before the start`);
    if ((b - a) / step >= MAX_EXPANDED) throw new Error(`host range [${range}] has more than ${MAX_EXPANDED} hosts`);
    const width = beg.length > 1 && beg.startsWith('0') ? beg.length : 0;
    items = [];
    for (let i = a; i <= b; i += step) items.push(String(i).padStart(width, '0'));
  } else if (/^[a-z]$/.test(beg) && /^[a-z]$/.test(end)) {
    if (end < beg) throw new Error(`host range [${range}]: the end is before the start`);
    items = [];
    for (let c = beg.charCodeAt(0); c <= end.charCodeAt(0); c += step) items.push(String.fromCharCode(c));
  } else {
    throw new Error(`host range [${range}] must be numbers ([1:3], [01:10]) or lowercase letters ([a:c])`);
  }
  const tails = expandHostPattern(tail);
  if (items.length * tails.length > MAX_EXPANDED)
    throw new Error(`host pattern ${pattern} has more than ${MAX_EXPANDED} hosts`);
  return items.flatMap((item) => tails.map((t) => head + item + t));
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
