// `ovnctl verify --smoke`: the guide's CNI ADD then DEL, for real. The first master creates a logical
// switch with one port per node; each node plugs a veth (its other end in a network namespace, with
// the port's MAC/IP) into br-int with the guide's external_ids, waits until the SB Port_Binding is
// bound to its chassis, then unplugs it. Every name is fixed and prefixed `ovnctl-smoke`, so a run
// first removes what an interrupted one left; a failing step cleans up in the same command (trap).
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import { defineFact } from '../facts/fact.js';
import { Resource } from '../facts/resources.js';
import type { Inventory } from '../inventory/types.js';
import { isTlsRemote } from '../ovn/tls.js';
import { DAEMONS } from '../ovn/daemons.js';
import { ctl, ctlText, retriedRead, type Client } from '../ovn/dbctl.js';
import { REMOTE_LIST_RE } from '../ovn/endpoint.js';
import { clustered } from '../ovn/topology.js';
import { raw, sh, type Command } from '../shell/command.js';
import { defineModule, noChange } from './module.js';

export const SMOKE = 'ovnctl-smoke';
/** The veth's end in br-int (its peer is eth0 in the namespace); fixed per host, ≤ 15 characters. */
export const SMOKE_VETH = SMOKE;
export const SMOKE_NETNS = SMOKE;
/** 198.18.0.0/15 (RFC 2544 benchmarking): never routed, so it cannot clash with a real network. */
const SMOKE_NET = 0xc6120000;
const SMOKE_PREFIX = 15;

/** The guide's iface-id is `<namespace>_<pod>`: here namespace ovnctl-smoke, pod = the node's name. */
export const smokePortName = (node: string) => `${SMOKE}_${node}`;

/** A node's smoke port: a fixed IP by its position among the inventory's nodes, MAC 0a:58:<IP> as ovnkube does. */
export function smokeAddress(inv: Inventory, node: string): { ip: string; mac: string; cidr: string } {
  const index = inv.hosts.filter((h) => h.roles.includes('node')).findIndex((h) => h.name === node);
  if (index < 0) throw new TaskFailure(`${node} is not a node of the inventory`);
  const n = SMOKE_NET + index + 1;
  const bytes = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const ip = bytes.join('.');
  return {
    ip,
    mac: ['0a', '58', ...bytes.map((b) => b.toString(16).padStart(2, '0'))].join(':'),
    cidr: `${ip}/${SMOKE_PREFIX}`,
  };
}

/**
 * The smoke logical switch in the local NB database: null when NB does not answer. With 2+ masters the
 * local server may be a follower: asked as any member, which forwards the writes to the leader.
 */
const smokeSwitch = (anyMember: boolean) =>
  defineFact(
    `ovn.smoke-switch${anyMember ? ':any-member' : ''}`,
    ctlText('nb', ['find', 'Logical_Switch', `name=${SMOKE}`], {
      bare: true,
      columns: ['name'],
      ...(anyMember ? { leaderOnly: false } : {}),
    }),
    (out, rc) => (rc === 0 ? out.trim() === SMOKE : null),
    { reads: [Resource.nb] },
  );

export const smokeLogical = defineModule({
  name: 'smoke_logical',
  args: z.object({ state: z.enum(['present', 'absent']) }).strict(),
  facts: (_a, { inventory }) => [smokeSwitch(clustered(inventory))],
  plan({ state }, facts, { host, inventory }) {
    const any = clustered(inventory);
    const nbOpts = any ? { leaderOnly: false } : {};
    const exists = facts(smokeSwitch(any));
    if (exists === null) {
      throw new TaskFailure(`the NB database does not answer on ${host.name}; look closer: ${ctlText('nb', ['show'])}`);
    }
    if (state === 'absent') {
      if (!exists) return noChange(`no logical switch ${SMOKE}`);
      return {
        commands: [ctl('nb', ['--if-exists', 'ls-del', SMOKE], nbOpts)],
        msg: `remove logical switch ${SMOKE} and its ports`,
      };
    }
    // Recreated from scratch every run: leftovers of an interrupted run go in the same transaction.
    const nodes = inventory.hosts.filter((h) => h.roles.includes('node')).map((h) => h.name);
    const words: string[] = ['--if-exists', 'ls-del', SMOKE, '--', 'ls-add', SMOKE];
    for (const n of nodes) {
      const a = smokeAddress(inventory, n);
      words.push(
        '--',
        'lsp-add',
        SMOKE,
        smokePortName(n),
        '--',
        'lsp-set-addresses',
        smokePortName(n),
        `${a.mac} ${a.ip}`,
      );
    }
    return {
      commands: [ctl('nb', words, nbOpts)],
      msg: `CNI ADD: logical switch ${SMOKE} with ports ${nodes.map(smokePortName).join(', ')}`,
    };
  },
});

/** What a smoke run may have left on a node: the namespace, the veth, the br-int port. */
export const smokeLeftovers = defineFact(
  'smoke.leftovers',
  `[ -e /run/netns/${SMOKE_NETNS} ] && echo netns; ip link show ${SMOKE_VETH} >/dev/null 2>&1 && echo link; ` +
    `${ctlText('vswitch', ['port-to-br', SMOKE_VETH])} >/dev/null 2>&1 && echo port; true`,
  (out) => {
    const words = out.split('\n').map((l) => l.trim());
    return { netns: words.includes('netns'), link: words.includes('link'), port: words.includes('port') };
  },
  { reads: [Resource.files, Resource.links, Resource.localOvsdb] },
);

export function cleanupCommands(left: { netns: boolean; link: boolean; port: boolean }): Command[] {
  const c: Command[] = [];
  if (left.port) c.push(ctl('vswitch', ['--if-exists', 'del-port', SMOKE_VETH]));
  // Deleting one end removes the pair; it may already be going with its namespace.
  if (left.link) c.push(sh`ip link del ${SMOKE_VETH} 2>/dev/null || ! ip link show ${SMOKE_VETH} >/dev/null 2>&1`);
  if (left.netns) c.push(sh`ip netns del ${SMOKE_NETNS}`);
  return c;
}

/** The node half of ADD, the wait for the binding, and DEL, as one script that always cleans up. */
export function smokeScript(o: {
  node: string;
  remote: string;
  ip: string;
  mac: string;
  cidr: string;
  timeoutS: number;
}): string {
  const port = smokePortName(o.node);
  const netVars = sh`ns=${SMOKE_NETNS} veth=${SMOKE_VETH} port=${port} mac=${o.mac} cidr=${o.cidr}`;
  const vars = sh`${netVars} db=${o.remote} chassis=${o.node} tries=${o.timeoutS * 5}`.script;
  // The clients as shell functions over the script's variables, and hints the user can paste ($db, $port
  // and $veth expand inside the messages' double quotes).
  const tls = isTlsRemote(o.remote);
  const onSb = { db: raw('"$db"'), tls };
  const hint = (c: Client, args: string[]) => ctlText(c, args, c === 'sb' ? { db: raw('$db'), tls } : {});
  const log = DAEMONS['ovn-controller'].log;
  const look =
    `look closer: ${hint('sb', ['find', 'Port_Binding', 'logical_port=$port'])}; ` +
    `${hint('vswitch', ['list', 'Interface', '$veth'])}; tail -n 30 ${log}`;
  return [
    vars,
    `sb() { ${ctlText('sb', [], onSb)}"$@"; }`,
    `vsctl() { ${ctl('vswitch', []).script}"$@"; }`,
    // The veth goes first and explicitly: a namespace's devices vanish asynchronously after `ip netns del`.
    'cleanup() { vsctl --if-exists del-port "$veth"; ip link del "$veth" 2>/dev/null; ' +
      'ip netns del "$ns" 2>/dev/null; true; }',
    'fail() { echo "$*" >&2; exit 1; }',
    "trap cleanup EXIT; trap 'exit 130' INT TERM HUP",
    'cleanup',
    't0=$(date +%s%N)',
    '# CNI ADD: the pod side in a namespace, the host side in br-int with the iface-id ovn-controller binds by',
    'ip netns add "$ns" && ip link add "$veth" type veth peer name "$veth-i" && ip link set "$veth-i" netns "$ns" &&',
    '  ip -n "$ns" link set "$veth-i" name eth0 && ip -n "$ns" link set eth0 address "$mac" && ' +
      'ip -n "$ns" addr add "$cidr" dev eth0 &&',
    '  ip -n "$ns" link set eth0 up && ip -n "$ns" link set lo up && ip link set "$veth" up || ' +
      'fail "CNI ADD: could not set up the namespace $ns and veth pair $veth"',
    'vsctl add-port br-int "$veth" -- set interface "$veth" external_ids:attached_mac="$mac" ' +
      'external_ids:iface-id="$port" external_ids:ip_address="$cidr" ||',
    `  fail "CNI ADD: adding port $veth to br-int failed; look closer: ${hint('vswitch', ['show'])}"`,
    // Every node smokes at once: its first question to the SB database is tried again when the
    // connection attempt ran out (a full listen queue), as verify's reads are.
    `want=$(${retriedRead('sb --bare --columns=_uuid find Chassis name="$chassis"')}) || ` +
      `fail "cannot ask the SB database at $db: $want; look closer: ${hint('sb', ['show'])}"`,
    `[ -n "$want" ] || fail "chassis $chassis is not in the SB database at $db; look closer: ${hint('sb', ['show'])}"`,
    // No point waiting when nothing on this host can bind the port.
    `controller() { for f in ${DAEMONS['ovn-controller'].pidfiles.join(' ')}; ` +
      `do [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && return 0; done; return 1; }`,
    'i=0; got=',
    'while [ "$i" -lt "$tries" ]; do',
    `  controller || fail "ovn-controller is not running on $chassis, so nothing binds port $port; ` +
      `look closer: tail -n 30 ${log}"`,
    '  got=$(sb --bare --columns=chassis find Port_Binding logical_port="$port" 2>/dev/null)',
    '  [ "$got" = "$want" ] && break',
    '  if [ "$i" -eq 25 ] && ' +
      '[ -z "$(sb --bare --columns=_uuid find Port_Binding logical_port="$port" 2>/dev/null)" ]; then',
    `    fail "the SB database has no logical port $port after 5 s: the first master creates it ` +
      `(did its smoke step fail, or did --limit leave it out?); ` +
      `look closer: ${ctlText('nb', ['show', SMOKE])} (on the first master)"`,
    '  fi',
    '  i=$((i+1)); sleep 0.2',
    'done',
    `[ "$got" = "$want" ] || fail "port $port was not bound to chassis $chassis within ${o.timeoutS} s ` +
      `(Port_Binding chassis: \${got:-none}); ${look}"`,
    't1=$(date +%s%N)',
    '# CNI DEL',
    'vsctl del-port br-int "$veth" && ip link del "$veth" && ip netns del "$ns" || ' +
      'fail "CNI DEL: could not remove port $veth, its veth pair or namespace $ns"',
    'trap - EXIT',
    'echo "port $port bound to chassis $chassis in $(( (t1 - t0) / 1000000 )) ms, then removed"',
  ].join('\n');
}

export const smokePort = defineModule({
  name: 'smoke_port',
  args: z
    .object({
      state: z.enum(['run', 'absent']),
      remote: z.string().regex(REMOTE_LIST_RE).optional(),
      timeout: z.number().int().min(1).max(600).default(30),
    })
    .strict()
    .refine(
      (a) => a.state === 'absent' || a.remote !== undefined,
      'state: run needs remote (the SB database, e.g. "{{ ovn.sbRemote }}")',
    ),
  facts: ({ state }) => (state === 'absent' ? [smokeLeftovers] : []),
  plan({ state, remote, timeout }, facts, { host, inventory }) {
    if (state === 'absent') {
      const commands = cleanupCommands(facts(smokeLeftovers));
      if (commands.length === 0) return noChange('no smoke test leftovers');
      return { commands, msg: `remove smoke test leftovers (${SMOKE})` };
    }
    const a = smokeAddress(inventory, host.name);
    const port = smokePortName(host.name);
    const script = smokeScript({ node: host.name, remote: remote!, ...a, timeoutS: timeout });
    // The script is long; logs and errors show what it does instead (its own messages say what failed).
    const display =
      `CNI ADD (netns ${SMOKE_NETNS}, veth ${SMOKE_VETH} in br-int, iface-id ${port}, ${a.mac} ${a.cidr}), ` +
      `wait ≤ ${timeout} s for the SB binding, CNI DEL`;
    return { commands: [{ script, display, secrets: [] }], msg: `CNI ADD/DEL of ${port}` };
  },
});

export const SMOKE_MODULES = [smokeLogical, smokePort];
