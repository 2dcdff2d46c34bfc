// An Ansible inventory → the value of the equivalent native inventory, checked afterwards by the same
// schema and rules as a native file (load.ts), with every value anchored to where the Ansible file set it.
//
// The mapping (README "Ansible inventories"):
// - group `masters` → role master, group `nodes` → role node (child groups count: `[masters:children]`);
//   hosts in neither are not part of the OVN cluster and are left out; every other group → `groups:`.
// - Per host, with Ansible's precedence (all, then groups by depth and name, then the host):
//   ansible_host → address (default: the host's name, which must then be an IP address),
//   ansible_user, ansible_port, ansible_ssh_private_key_file → ssh.user/port/privateKey,
//   ansible_become → become, ansible_host_key_checking → ssh.hostKeyChecking (true strict, false off),
//   ovnctl_encap_ip → encapIp, ovnctl_ssh_<key> → the other ssh settings (known_hosts, ...).
//   A value every host shares becomes the top-level default.
// - Cluster-wide settings: ovnctl_<section>_<key> in the `all` group's vars, e.g. ovnctl_cluster_nb_port,
//   ovnctl_packages_source, ovnctl_ovnkube_enabled; the value is what the native key takes. Unset → default.
// - Refused, because ovnctl cannot honour them: passwords (use a key and passwordless sudo), become
//   other than sudo to root, connections other than ssh, extra ssh arguments, ansible-vault values.
//   Other ansible_* vars and other playbooks' vars are ignored.
import { isIP } from 'node:net';
import { posIn } from '../source/position.js';
import { ansibleBool, groupDepths, groupMembers, type AnsibleInventory, type AnsibleVar } from './ansible-model.js';
import { ALIASES, OVNCTL_VARS, PASSWORDS, SSH_ARGS, SSH_CONNECTIONS, nearest } from './ansible-vars.js';
import { MappedSource, type Anchor } from './mapped-source.js';
import { Problems } from './problems.js';
import { InventorySchema } from './schema.js';
import type { Path } from './yaml-source.js';

const ROLE_GROUPS = { masters: 'master', nodes: 'node' } as const;
const IMPLICIT = new Set(['all', 'ungrouped', ...Object.keys(ROLE_GROUPS)]);

type Located = { value: unknown; anchor: Anchor };

export function mapAnsibleInventory(file: string, text: string, inv: AnsibleInventory): MappedSource {
  const problems = new Problems();
  const fail = (detail: string, offset: number): void => problems.add(detail, posIn(file, text, offset), offset);
  const reported = new Set<string>();
  /** One report per place and problem, however many hosts inherit the var. */
  const failOnce = (detail: string, offset: number): void => {
    if (reported.has(`${offset} ${detail}`)) return;
    reported.add(`${offset} ${detail}`);
    fail(detail, offset);
  };

  checkDefinitions(inv, failOnce);
  const members = groupMembers(inv, fail);

  const depth = groupDepths(inv);
  const hostGroups = new Map<string, string[]>();
  for (const [g, hosts] of members) for (const h of hosts) hostGroups.set(h, [...(hostGroups.get(h) ?? []), g]);

  const hosts: Record<string, Record<string, unknown>> = {};
  const perHost = new Map<string, Map<string, Located>>();
  const value: Record<string, unknown> = {};
  const src = new MappedSource(file, text, value);
  const included: string[] = [];

  for (const host of inv.hosts.values()) {
    const groups = hostGroups.get(host.name) ?? [];
    const roles = (Object.keys(ROLE_GROUPS) as (keyof typeof ROLE_GROUPS)[])
      .filter((g) => groups.includes(g))
      .map((g) => ROLE_GROUPS[g]);
    if (roles.length === 0) continue; // not part of the OVN cluster
    included.push(host.name);
    const byDepth = groups
      .filter((g) => g !== 'all')
      .sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
    const vars = new Map<string, AnsibleVar>();
    for (const layer of [inv.groups.get('all')!.vars, ...byDepth.map((g) => inv.groups.get(g)!.vars), host.vars]) {
      for (const v of layer.values()) vars.set(ALIASES[v.name] ?? v.name, v);
    }
    const { entry, conn } = mapHost(host.name, host.at, roles, vars, failOnce);
    hosts[host.name] = entry;
    perHost.set(host.name, conn);
    const base = ['hosts', host.name];
    src.anchor(base, { key: host.at, value: host.at });
    src.anchor([...base, 'roles'], { key: host.at, value: host.at });
    const address = vars.get('ansible_host');
    src.anchor([...base, 'address'], address ? anchorOf(address) : { key: host.at, value: host.at });
    const encap = vars.get('ovnctl_encap_ip');
    if (encap) src.anchor([...base, 'encapIp'], anchorOf(encap));
  }

  if (included.length === 0 || !included.some((h) => (hosts[h].roles as string[]).includes('master'))) {
    const masters = inv.groups.get('masters');
    const hint = masters ? '' : missingRoleGroupHint(inv);
    failOnce(
      `no host is in group masters (ovnctl's masters and nodes groups give hosts their roles)${hint}`,
      masters?.at ?? 0,
    );
  }
  problems.throwIfAny();

  const draft: Record<string, unknown> = {};
  liftConnection(draft, hosts, perHost, included, src);
  for (const [name, setting] of OVNCTL_VARS) {
    const v = inv.groups.get('all')!.vars.get(name);
    if (!v || !setting.clusterWide) continue;
    draft[setting.section] ??= {};
    const section = draft[setting.section] as Record<string, unknown>;
    section[setting.key] = setting.boolean ? (ansibleBool(v.value) ?? v.value) : v.value;
    src.anchor([setting.section, setting.key], anchorOf(v));
  }
  draft.hosts = hosts;
  const groups: Record<string, string[]> = {};
  for (const g of inv.groups.values()) {
    if (IMPLICIT.has(g.name)) continue;
    const set = members.get(g.name)!;
    groups[g.name] = included.filter((h) => set.has(h));
    src.anchor(['groups', g.name], { key: g.at, value: g.at });
  }
  if (Object.keys(groups).length > 0) draft.groups = groups;

  src.anchor(['hosts'], { key: hostAt(inv, included[0]), value: hostAt(inv, included[0]) });
  src.setOrder(['hosts'], included);
  src.setOrder(['groups'], Object.keys(groups));
  Object.assign(value, ordered(draft));
  return src;
}

/** One host's native entry, and its connection settings (lifted to the top level when all agree). */
function mapHost(
  name: string,
  at: number,
  roles: string[],
  vars: Map<string, AnsibleVar>,
  fail: (detail: string, offset: number) => void,
): { entry: Record<string, unknown>; conn: Map<string, Located> } {
  const use = (v: AnsibleVar): unknown => {
    if (isVaulted(v)) fail(vaultMessage(v), v.valueAt);
    return v.value;
  };
  const conn = new Map<string, Located>();
  const set = (key: string, v: AnsibleVar, value: unknown): void => void conn.set(key, { value, anchor: anchorOf(v) });

  for (const v of vars.values()) {
    const canonical = ALIASES[v.name] ?? v.name;
    if (PASSWORDS.has(canonical)) {
      fail(
        `${v.name}: ovnctl takes no passwords from an inventory; ` +
          'use an SSH key (ansible_ssh_private_key_file or the ssh-agent) and sudo without a password',
        v.keyAt,
      );
    } else if (SSH_ARGS.includes(canonical) && v.value !== '' && v.value !== null) {
      fail(
        `${v.name}: ovnctl does not pass extra ssh arguments (it has its own SSH client); ` +
          'remove it or connect to the host directly',
        v.keyAt,
      );
    } else if (canonical === 'ansible_connection' && !SSH_CONNECTIONS.has(String(use(v)))) {
      fail(
        `ansible_connection=${String(v.value)}: ovnctl reaches every host over SSH (ssh, smart or paramiko)`,
        v.valueAt,
      );
    }
  }

  const entry: Record<string, unknown> = {};
  const address = vars.get('ansible_host');
  if (address) entry.address = use(address);
  else if (isIP(name)) entry.address = name;
  else
    fail(
      `host '${name}' has no ansible_host, and ovnctl connects to an IP address (it resolves no names): ` +
        'set ansible_host=<IP>',
      at,
    );
  entry.roles = roles;
  const encap = vars.get('ovnctl_encap_ip');
  if (encap) entry.encapIp = use(encap);

  const user = vars.get('ansible_user');
  if (user) set('user', user, typeof user.value === 'number' ? String(user.value) : use(user));
  const port = vars.get('ansible_port');
  if (port)
    set('port', port, typeof port.value === 'string' && /^\d+$/.test(port.value) ? Number(port.value) : use(port));
  const key = vars.get('ansible_ssh_private_key_file');
  if (key) set('privateKey', key, use(key));
  const checking = vars.get('ansible_host_key_checking');
  if (checking) {
    const b = ansibleBool(use(checking));
    if (b === undefined) fail(`${checking.name} must be true or false`, checking.valueAt);
    else set('hostKeyChecking', checking, b ? 'strict' : 'off');
  }
  for (const [varName, s] of OVNCTL_VARS) {
    const v = vars.get(varName);
    if (v && s.section === 'ssh') set(s.key, v, use(v));
  }
  const become = vars.get('ansible_become');
  if (become) {
    const b = ansibleBool(use(become));
    if (b === undefined) fail(`${become.name} must be true or false (or yes/no)`, become.valueAt);
    else {
      set('become', become, b);
      if (b) checkBecome(vars, fail);
    }
  }
  return { entry, conn };
}

/** ovnctl becomes root through `sudo -n`; anything else would run the install as someone else. */
function checkBecome(vars: Map<string, AnsibleVar>, fail: (detail: string, offset: number) => void): void {
  const method = vars.get('ansible_become_method');
  if (method && method.value !== 'sudo')
    fail(`ansible_become_method=${String(method.value)}: ovnctl becomes root with sudo only`, method.valueAt);
  const user = vars.get('ansible_become_user');
  if (user && user.value !== 'root')
    fail(`ansible_become_user=${String(user.value)}: ovnctl becomes root only`, user.valueAt);
}

/** ssh settings and become: a value all hosts share goes to the top level, the rest stays per host. */
function liftConnection(
  value: Record<string, unknown>,
  hosts: Record<string, Record<string, unknown>>,
  perHost: Map<string, Map<string, Located>>,
  names: string[],
  src: MappedSource,
): void {
  const keys = new Set([...perHost.values()].flatMap((m) => [...m.keys()]));
  for (const key of keys) {
    const all = names.map((n) => perHost.get(n)!.get(key));
    const first = all[0];
    const shared =
      first !== undefined &&
      all.every((l) => l !== undefined && JSON.stringify(l.value) === JSON.stringify(first.value));
    const target = (entry: Record<string, unknown>, base: Path): [Record<string, unknown>, Path] =>
      key === 'become' ? [entry, base] : [sshOf(entry), [...base, 'ssh']];
    if (shared) {
      const [obj, path] = target(value, []);
      obj[key] = first.value;
      src.anchor([...path, key], first.anchor);
    } else {
      names.forEach((n, i) => {
        const l = all[i];
        if (!l) return;
        const [obj, path] = target(hosts[n], ['hosts', n]);
        obj[key] = l.value;
        src.anchor([...path, key], l.anchor);
      });
    }
  }
}

/** Problems with a var wherever it is defined, whichever hosts inherit it. */
function checkDefinitions(inv: AnsibleInventory, fail: (detail: string, offset: number) => void): void {
  const scopes = [
    ...[...inv.groups.values()].map((g) => ({ vars: g.vars, isAll: g.name === 'all' })),
    ...[...inv.hosts.values()].map((h) => ({ vars: h.vars, isAll: false })),
  ];
  for (const { vars, isAll } of scopes) {
    for (const v of vars.values()) {
      if (!v.name.startsWith('ovnctl_')) continue;
      const setting = OVNCTL_VARS.get(v.name);
      if (!setting) {
        const near = nearest(v.name, [...OVNCTL_VARS.keys()]);
        fail(`unknown ovnctl variable '${v.name}'${near ? ` (did you mean ${near}?)` : ''}`, v.keyAt);
      } else if (setting.clusterWide && !isAll) {
        fail(
          `${v.name} is a cluster-wide setting: set it in the vars of group all ([all:vars], or all: vars: in YAML)`,
          v.keyAt,
        );
      } else if (isVaulted(v)) {
        fail(vaultMessage(v), v.valueAt);
      }
    }
  }
}

function missingRoleGroupHint(inv: AnsibleInventory): string {
  const like = [...inv.groups.keys()].find((g) => /master|control|controller/i.test(g));
  return like
    ? `; to use group '${like}', add a [masters:children] section listing it ` +
        `(in YAML: masters: {children: {${like}: {}}})`
    : '';
}

function isVaulted(v: AnsibleVar): boolean {
  return typeof v.value === 'string' && v.value.startsWith('$ANSIBLE_VAULT;');
}

function vaultMessage(v: AnsibleVar): string {
  return `${v.name} is encrypted with ansible-vault, which ovnctl cannot decrypt: give it in plain text`;
}

function hostAt(inv: AnsibleInventory, name: string | undefined): number {
  return name ? inv.hosts.get(name)!.at : 0;
}

function anchorOf(v: AnsibleVar): Anchor {
  return { key: v.keyAt, value: v.valueAt, ...(v.inner ? { inner: v.inner } : {}) };
}

/** The native sections in the schema's order, so `--convert` writes them as a person would. */
function ordered(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(InventorySchema.shape)) if (value[key] !== undefined) out[key] = value[key];
  return out;
}

/** The `ssh` map of a host or group entry, made when absent. */
function sshOf(entry: Record<string, unknown>): Record<string, unknown> {
  entry.ssh ??= {};
  return entry.ssh as Record<string, unknown>;
}
