// tunnel_mesh: the second guide's full mesh on one bridge: one tunnel port per other inventory host
// (gre-<peer>, options:remote_ip=<peer's encapIp>), n·(n−1) ports over n hosts. Ports ovnctl made carry
// external_ids:ovnctl-peer, so a peer that left the inventory has its port removed and nobody else's
// port is touched. Every tunnel port is `protected`: OVS's NORMAL action never forwards from one
// protected port to another, so a frame that came in over a tunnel only goes to the local side
// (split horizon) — in a full mesh every host is one hop away, and that is the loop protection.
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import { ovsLayout, type OvsPort } from '../facts/net-ovs.js';
import type { Host } from '../inventory/types.js';
import { ctl, ctlRead, TIMEOUT } from '../ovn/dbctl.js';
import { raw, sh, type Command } from '../shell/command.js';
import { PEER_KEY, tunnelPortName, type TunnelType } from './gre-names.js';
import { defineModule, noChange } from './module.js';
import { IfName } from './ovs-bridge.js';
import { ovsdbString } from './ovsdb.js';

export interface WantedPort {
  name: string;
  peer: string;
  remoteIp: string;
}

/** The ports this host should have: one per other host of the inventory (not only the --limit ones). */
export function wantedPorts(type: TunnelType, self: Host, hosts: readonly Host[]): WantedPort[] {
  const peers = hosts.filter((h) => h.name !== self.name);
  // A host named by DNS has its endpoint read on it at the start of a run that selects it (app/encap.ts).
  const unknown = peers.filter((p) => p.encapIp === '');
  if (unknown.length > 0)
    throw new TaskFailure(
      `the tunnel endpoint of ${unknown.map((p) => p.name).join(', ')} is not known: named by DNS and outside ` +
        '--limit, so not read on the host; set its encapIp, or run without --limit',
    );
  const wanted = peers.map((p) => ({ name: tunnelPortName(type, p.name), peer: p.name, remoteIp: p.encapIp }));
  const byName = new Map<string, string>();
  for (const w of wanted) {
    const twin = byName.get(w.name);
    if (twin)
      throw new TaskFailure(`peers ${twin} and ${w.peer} both get tunnel port name ${w.name}: rename one of the hosts`);
    byName.set(w.name, w.peer);
  }
  const endpoints = new Map<string, string>();
  for (const w of wanted) {
    const twin = endpoints.get(w.remoteIp);
    if (twin)
      throw new TaskFailure(
        `peers ${twin} and ${w.peer} share the tunnel endpoint ${w.remoteIp}: give one of them a distinct encapIp`,
      );
    endpoints.set(w.remoteIp, w.peer);
  }
  const loop = peers.find((p) => p.encapIp === self.encapIp);
  if (loop)
    throw new TaskFailure(
      `${self.name} and ${loop.name} share the tunnel endpoint ${self.encapIp}: give one of them a distinct encapIp`,
    );
  return wanted;
}

const describePort = (p: OvsPort): string => {
  const i = p.interfaces[0];
  return (
    `${p.name} on ${p.bridge || '(no bridge)'}: type=${i?.type ?? '?'} ` +
    `remote_ip=${i?.options.remote_ip ?? '(unset)'}${p.protected ? ' protected' : ''}`
  );
};

function isConverged(p: OvsPort, w: WantedPort, type: TunnelType, bridge: string): boolean {
  const i = p.interfaces;
  return (
    p.bridge === bridge &&
    p.protected &&
    p.externalIds[PEER_KEY] === w.peer &&
    i.length === 1 &&
    i[0].name === w.name &&
    i[0].type === type &&
    Object.keys(i[0].options).length === 1 &&
    i[0].options.remote_ip === w.remoteIp
  );
}

/** Another port with a tunnel of the same type to the same endpoint: ovs-vswitchd refuses the second one. */
function twinOf(name: string, type: string, remoteIp: string, all: readonly OvsPort[]): OvsPort | undefined {
  return all.find(
    (o) => o.name !== name && o.interfaces.some((x) => x.type === type && x.options.remote_ip === remoteIp),
  );
}

const twinMessage = (w: WantedPort, type: string, twin: OvsPort): string =>
  `${w.name} (to ${w.peer}): port ${twin.name}${twin.bridge ? ` on ${twin.bridge}` : ''} ` +
  `is already a ${type} tunnel to ${w.remoteIp}, ` +
  `and ovs-vswitchd refuses a second one; remove it (ovs-vsctl del-port ${twin.name})`;

/** One ovs-vsctl call, one OVSDB transaction: the operations joined by `--` (n ports are one round trip). */
const transaction = (ops: readonly string[][], ports: number): Command =>
  ctl(
    'vswitch',
    ops.flatMap((op, i) => (i === 0 ? op : ['--', ...op])),
    // ovs-vsctl waits for ovs-vswitchd to make every port: give a large mesh its time.
    { timeout: TIMEOUT.write + Math.ceil(ports / 4) },
  );

/**
 * ovs-vsctl succeeds even when ovs-vswitchd cannot make a tunnel (e.g. a twin with the same remote_ip):
 * read the error column of every port made, in one call, and fail naming those with one.
 */
const thenCheck = (cmd: Command, names: readonly string[]): Command => {
  const errors = ctlRead('vswitch', ['--format=csv', '--data=bare', '--no-headings', 'list', 'interface', ...names], {
    columns: ['name', 'error'],
  });
  const withError = raw(`awk -F, '$2 != ""'`);
  return sh`${cmd} && bad=$(${errors} | ${withError}) && { [ -z "$bad" ] || { echo "$bad" >&2; exit 1; }; }`;
};

const portColumns = (w: WantedPort) => [`protected=true`, `external_ids:${PEER_KEY}=${ovsdbString(w.peer)}`];
const ifaceColumns = (w: WantedPort, type: TunnelType) => [
  `type=${type}`,
  `options={remote_ip=${ovsdbString(w.remoteIp)}}`,
];
const setInterface = (w: WantedPort, type: TunnelType) => ['--', 'set', 'interface', w.name, ...ifaceColumns(w, type)];
const addPort = (bridge: string, w: WantedPort, type: TunnelType): string[] => [
  'add-port',
  bridge,
  w.name,
  ...portColumns(w),
  ...setInterface(w, type),
];

export const tunnelMesh = defineModule({
  name: 'tunnel_mesh',
  args: z.object({ bridge: IfName, type: z.enum(['gre', 'vxlan', 'geneve']).default('gre') }).strict(),
  facts: () => [ovsLayout],
  plan({ bridge, type }, facts, { host, inventory }) {
    const wanted = wantedPorts(type, host, inventory.hosts);
    // No OVSDB yet (--check on a fresh host): every port is still to be made.
    const layout = facts(ovsLayout) ?? { bridges: [], ports: [] };
    const ports = new Map(layout.ports.map((p) => [p.name, p]));
    const wantedNames = new Set(wanted.map((w) => w.name));
    // Deletions first, in a transaction of their own: a refused port is made again only after its
    // old row is gone (ovs-vswitchd does not retry a port it refused).
    const deletes: string[][] = [];
    const writes: string[][] = [];
    const made: string[] = [];
    const before: string[] = [];
    const after: string[] = [];
    const done = { add: 0, fix: 0, remove: 0 };
    const broken: string[] = [];

    // Ours but no longer wanted: the peer left the inventory, or the name scheme/bridge changed.
    const removed = new Set<OvsPort>();
    for (const p of layout.ports) {
      if (!(PEER_KEY in p.externalIds)) continue;
      if (wantedNames.has(p.name) && p.bridge === bridge) continue;
      removed.add(p);
      deletes.push(['--if-exists', 'del-port', p.bridge || bridge, p.name]);
      before.push(describePort(p));
      done.remove++;
    }
    for (const w of wanted) {
      const p = ports.get(w.name);
      const line = `${w.name} on ${bridge}: type=${type} remote_ip=${w.remoteIp} protected`;
      const twin = twinOf(w.name, type, w.remoteIp, layout.ports);
      const blocked = twin !== undefined && !removed.has(twin);
      const ours = p !== undefined && PEER_KEY in p.externalIds;
      if (p && !ours && p.bridge !== bridge) {
        throw new TaskFailure(
          `port ${w.name} (for peer ${w.peer}) already exists on bridge ${p.bridge || '(none)'}, not made by ovnctl: ` +
            `remove or rename it (ovs-vsctl del-port ${p.name})`,
        );
      }
      if (blocked && !(p && isConverged(p, w, type, bridge) && p.interfaces[0].ofport > 0)) {
        broken.push(twinMessage(w, type, twin));
      } else if (!p || (ours && p.bridge !== bridge)) {
        writes.push(addPort(bridge, w, type));
        made.push(w.name);
        after.push(line);
        done.add++;
      } else if (!isConverged(p, w, type, bridge)) {
        // A port of that name on our bridge: fix it in place (a port someone made by the guide's
        // commands under our name is adopted and marked).
        writes.push(['set', 'port', w.name, ...portColumns(w), ...setInterface(w, type)]);
        made.push(w.name);
        before.push(describePort(p));
        after.push(line);
        done.fix++;
      } else if (p.interfaces[0].ofport < 0 || p.interfaces[0].error) {
        // ovs-vswitchd does not retry a port it refused (e.g. while a twin existed): make it again.
        deletes.push(['del-port', bridge, w.name]);
        writes.push(addPort(bridge, w, type));
        made.push(w.name);
        before.push(`${describePort(p)} (refused: ${p.interfaces[0].error || 'no ofport'})`);
        after.push(line);
        done.fix++;
      }
    }
    if (broken.length > 0) throw new TaskFailure(broken.join('; '));
    const steps: Command[] = [];
    if (deletes.length > 0) steps.push(transaction(deletes, deletes.length));
    if (writes.length > 0) steps.push(thenCheck(transaction(writes, writes.length), made));
    const commands = steps.length === 2 ? [sh`${steps[0]} && ${steps[1]}`] : steps;
    if (commands.length === 0)
      return noChange(
        `${wanted.length} ${type} ports on ${bridge}: ${wanted.map((w) => w.name).join(', ') || 'no peers'}`,
      );
    const msg = Object.entries(done)
      .filter(([, n]) => n > 0)
      .map(([what, n]) => `${what} ${n}`)
      .join(', ');
    return {
      commands,
      diff: { before: before.join('\n'), after: after.join('\n') },
      msg: `${msg} ${type} port(s) on ${bridge}`,
    };
  },
});
