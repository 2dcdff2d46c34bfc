// An Ansible inventory → the value of the equivalent native inventory, checked afterwards by the same
// schema and rules as a native file (load.ts), with every value anchored to where the Ansible file set it.
//
// The mapping (README "Ansible inventories"):
// - group `masters` → role master, group `nodes` → role node (child groups count: `[masters:children]`);
//   other names by --masters-group/--nodes-group or the vars ovnctl_masters_group/ovnctl_nodes_group.
//   Hosts in neither are not part of the OVN cluster: left out, and named in one notice on stderr.
//   Every other group → `groups:`.
// - Per host, with Ansible's precedence (VariableManager): all's vars, group_vars/all, the host's groups'
//   vars (by depth, ansible_group_priority, name), their group_vars files, the host's vars, host_vars:
//   ansible_host → address (default: the host's name; a DNS name only for a node, as checks.ts says),
//   ansible_user, ansible_port, ansible_ssh_private_key_file → ssh.user/port/privateKey,
//   ansible_become → become, ansible_host_key_checking → ssh.hostKeyChecking (true strict, false off),
//   ovnctl_encap_ip → encapIp, ovnctl_ssh_<key> → the other ssh settings (known_hosts, ...).
//   A value every host shares becomes the top-level default.
// - Cluster-wide settings: ovnctl_<section>_<key> in the `all` group's vars, e.g. ovnctl_cluster_nb_port,
//   ovnctl_packages_source, ovnctl_ovnkube_enabled; the value is what the native key takes. Unset → default.
// - Refused, because ovnctl cannot honour them: passwords (use a key and passwordless sudo), become
//   other than sudo to root, connections other than ssh, extra ssh arguments, ansible-vault values, and
//   `{{ }}` templates in a value ovnctl uses (it evaluates none). Other vars are ignored.
import { isIP } from 'node:net';
import { ansibleBool, groupMembers, sortGroups, type AnsibleInventory, type AnsibleVar } from './ansible-model.js';
import { ALIASES, OVNCTL_VARS, PASSWORDS, SSH_ARGS, SSH_CONNECTIONS, nearest } from './ansible-vars.js';
import { MappedSource, type Anchor } from './mapped-source.js';
import { Problems } from './problems.js';
import { InventorySchema } from './schema.js';
import type { SourceFiles } from './source-files.js';
import type { Path } from './yaml-source.js';

/** Which groups give hosts their roles: from the command line; unset → the vars, then masters/nodes. */
export interface RoleGroups {
  masters?: string;
  nodes?: string;
}

type Located = { value: unknown; anchor: Anchor };

export interface MappedInventory {
  src: MappedSource;
  /** Things the user should know that are not errors (hosts left out), one line each. */
  notices: string[];
}

export function mapAnsibleInventory(files: SourceFiles, inv: AnsibleInventory, opts: RoleGroups = {}): MappedInventory {
  const problems = new Problems();
  const fail = (detail: string, offset: number): void => problems.add(detail, files.pos(offset), offset);
  const reported = new Set<string>();
  /** One report per place and problem, however many hosts inherit the var. */
  const failOnce = (detail: string, offset: number): void => {
    if (reported.has(`${offset} ${detail}`)) return;
    reported.add(`${offset} ${detail}`);
    fail(detail, offset);
  };

  checkDefinitions(inv, failOnce);
  const members = groupMembers(inv, fail);
  const roleGroups = chooseRoleGroups(inv, opts, failOnce);
  // ovnctl's own groups; a role group with another name (kube_control_plane) stays a group for --limit.
  const implicit = new Set(['all', 'ungrouped', 'masters', 'nodes']);

  const hostGroups = new Map<string, string[]>();
  for (const [g, hosts] of members) for (const h of hosts) hostGroups.set(h, [...(hostGroups.get(h) ?? []), g]);

  const hosts: Record<string, Record<string, unknown>> = {};
  const perHost = new Map<string, Map<string, Located>>();
  const value: Record<string, unknown> = {};
  const src = new MappedSource(files, value);
  const included: string[] = [];
  const leftOut: string[] = [];
  const all = inv.groups.get('all')!;

  for (const host of inv.hosts.values()) {
    const groups = hostGroups.get(host.name) ?? [];
    const roles = [
      ...(groups.includes(roleGroups.masters) ? ['master'] : []),
      ...(groups.includes(roleGroups.nodes) ? ['node'] : []),
    ];
    if (roles.length === 0) {
      leftOut.push(host.name); // not part of the OVN cluster
      continue;
    }
    included.push(host.name);
    const vars = new Map<string, AnsibleVar>();
    for (const v of hostVars(inv, host.name, groups).values()) vars.set(ALIASES[v.name] ?? v.name, v);
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

  checkNodesGroup(inv, roleGroups, leftOut, failOnce);
  if (!included.some((h) => (hosts[h].roles as string[]).includes('master'))) {
    const masters = inv.groups.get(roleGroups.masters);
    const hint = masters ? '' : missingRoleGroupHint(inv);
    failOnce(
      `no host is in group ${roleGroups.masters} (ovnctl's masters and nodes groups give hosts their roles)${hint}`,
      masters?.at ?? 0,
    );
  }
  problems.throwIfAny();

  const draft: Record<string, unknown> = {};
  liftConnection(draft, hosts, perHost, included, src);
  for (const [name, setting] of OVNCTL_VARS) {
    const v = inv.groupFileVars.get('all')?.get(name) ?? all.vars.get(name);
    if (!v || !setting.clusterWide) continue;
    draft[setting.section] ??= {};
    const section = draft[setting.section] as Record<string, unknown>;
    section[setting.key] = setting.boolean ? (ansibleBool(v.value) ?? v.value) : v.value;
    src.anchor([setting.section, setting.key], anchorOf(v));
  }
  draft.hosts = hosts;
  const groups: Record<string, string[]> = {};
  for (const g of inv.groups.values()) {
    if (implicit.has(g.name)) continue;
    const set = members.get(g.name)!;
    groups[g.name] = included.filter((h) => set.has(h));
    src.anchor(['groups', g.name], { key: g.at, value: g.at });
  }
  if (Object.keys(groups).length > 0) draft.groups = groups;

  src.anchor(['hosts'], { key: hostAt(inv, included[0]), value: hostAt(inv, included[0]) });
  src.setOrder(['hosts'], included);
  src.setOrder(['groups'], Object.keys(groups));
  Object.assign(value, ordered(draft));
  return { src, notices: leftOut.length > 0 ? [leftOutNotice(inv, leftOut, hostGroups, roleGroups)] : [] };
}

/**
 * A host's vars with Ansible's precedence (VariableManager.get_vars): all's vars, group_vars/all, the vars
 * of its groups (sorted: depth, ansible_group_priority, name), their group_vars files, its own, host_vars.
 * `groups`: every group the host is in, directly or through children.
 */
export function hostVars(inv: AnsibleInventory, host: string, groups: string[]): Map<string, AnsibleVar> {
  const sorted = sortGroups(
    inv,
    groups.filter((g) => g !== 'all'),
  );
  const none = new Map<string, AnsibleVar>();
  const layers = [
    inv.groups.get('all')!.vars,
    inv.groupFileVars.get('all') ?? none,
    ...sorted.map((g) => inv.groups.get(g)!.vars),
    ...sorted.map((g) => inv.groupFileVars.get(g) ?? none),
    inv.hosts.get(host)!.vars,
    inv.hostFileVars.get(host) ?? none,
  ];
  // In the order they were last set, so that of two spellings (ansible_user, ansible_ssh_user) the later wins.
  const out = new Map<string, AnsibleVar>();
  const own = [inv.hosts.get(host)!.vars, inv.hostFileVars.get(host)];
  for (const layer of layers) {
    for (const v of layer.values()) {
      // A group's priority orders the groups; Ansible keeps it out of the vars.
      if (v.name === 'ansible_group_priority' && !own.includes(layer)) continue;
      out.delete(v.name);
      out.set(v.name, v);
    }
  }
  return out;
}

const GROUP_VARS = { masters: 'ovnctl_masters_group', nodes: 'ovnctl_nodes_group' } as const;

/**
 * The role groups' names: --masters-group/--nodes-group, else ovnctl_masters_group/ovnctl_nodes_group
 * (all's vars, or group_vars/all), else masters and nodes.
 */
function chooseRoleGroups(
  inv: AnsibleInventory,
  opts: RoleGroups,
  fail: (detail: string, offset: number) => void,
): Required<RoleGroups> {
  const out = { masters: 'masters', nodes: 'nodes' };
  for (const role of ['masters', 'nodes'] as const) {
    const given = opts[role];
    const v = inv.groupFileVars.get('all')?.get(GROUP_VARS[role]) ?? inv.groups.get('all')!.vars.get(GROUP_VARS[role]);
    if (given !== undefined) out[role] = given;
    else if (v && (typeof v.value !== 'string' || v.value.trim() === '' || isTemplate(v.value)))
      fail(`${v.name} must be a group name`, v.valueAt);
    else if (v) out[role] = v.value as string;
  }
  return out;
}

/**
 * A masters group, no nodes group, and hosts outside masters: following the old hint (masters only) drops
 * every worker. An error that names both ways to say which group holds the nodes.
 */
function checkNodesGroup(
  inv: AnsibleInventory,
  out: Required<RoleGroups>,
  leftOut: string[],
  fail: (detail: string, offset: number) => void,
): void {
  const masters = inv.groups.get(out.masters);
  if (masters && !inv.groups.has(out.nodes) && leftOut.length > 0) {
    const like = [...inv.groups.keys()].filter((g) => /node|worker|agent|compute/i.test(g) && g !== out.masters);
    fail(
      `there is a group ${out.masters} but no group ${out.nodes}, so every host outside ${out.masters} would be ` +
        `left out: name the group of the nodes with --nodes-group NAME or ${GROUP_VARS.nodes}=NAME in the vars ` +
        `of all (and the masters' with --masters-group or ${GROUP_VARS.masters})` +
        (like.length > 0 ? `; groups here that look like nodes: ${like.join(', ')}` : ''),
      masters.at,
    );
  }
}

/** "left out: a, b (2 hosts in groups etcd, lb: in neither masters nor nodes)". */
function leftOutNotice(
  inv: AnsibleInventory,
  names: string[],
  hostGroups: Map<string, string[]>,
  roles: Required<RoleGroups>,
): string {
  const groups = [...new Set(names.flatMap((h) => hostGroups.get(h) ?? []))].filter(
    (g) => g !== 'all' && inv.groups.has(g),
  );
  const shown = names.length > 20 ? [...names.slice(0, 20), '...'] : names;
  const n = `${names.length} host${names.length === 1 ? '' : 's'}`;
  const where = groups.length > 0 ? ` in group${groups.length === 1 ? '' : 's'} ${groups.join(', ')}` : '';
  return (
    `left out: ${shown.join(', ')} (${n}${where}: in neither ${roles.masters} nor ${roles.nodes}; ` +
    'map other groups with --masters-group/--nodes-group)'
  );
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
    else if (isTemplate(v.value)) fail(`${v.name}: templates are not evaluated; put the value itself here`, v.valueAt);
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
  if (isIP(name) === 6)
    fail(
      `host '${name}' is named by an IPv6 address, which cannot be a Kubernetes node name: ` +
        `give it a name and the address as ansible_host (node1 ansible_host=${name})`,
      at,
    );
  // As Ansible: without ansible_host, ssh connects to the host's name (an IP address or a DNS name).
  entry.address = address ? use(address) : name;
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
    ...[...inv.groupFileVars].map(([g, vars]) => ({ vars, isAll: g === 'all' })),
    ...[...inv.hosts.values()].map((h) => ({ vars: h.vars, isAll: false })),
    ...[...inv.hostFileVars.values()].map((vars) => ({ vars, isAll: false })),
  ];
  const roleVars: string[] = Object.values(GROUP_VARS);
  for (const { vars, isAll } of scopes) {
    for (const v of vars.values()) {
      if (!v.name.startsWith('ovnctl_')) continue;
      if (roleVars.includes(v.name)) {
        if (!isAll) fail(`${v.name} names a group for the whole inventory: set it in the vars of group all`, v.keyAt);
        continue;
      }
      const setting = OVNCTL_VARS.get(v.name);
      if (!setting) {
        const near = nearest(v.name, [...OVNCTL_VARS.keys(), ...roleVars]);
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
  const like = [...inv.groups.keys()].find((g) => /master|control|controller|server/i.test(g));
  return like
    ? `; to use group '${like}', give --masters-group ${like} (and --nodes-group for the nodes' group), ` +
        `or add a [masters:children] section listing it (in YAML: masters: {children: {${like}: {}}})`
    : '; name the groups with --masters-group and --nodes-group';
}

/** A Jinja expression or statement anywhere in a string value (or in a string inside a structured one). */
function isTemplate(value: unknown): boolean {
  if (typeof value === 'string') return /\{\{|\{%/.test(value);
  if (value && typeof value === 'object') return Object.values(value).some(isTemplate);
  return false;
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
