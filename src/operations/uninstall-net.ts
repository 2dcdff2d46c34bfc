// Uninstall never cuts a host off, and undoes the gre-mesh.
//
// ovs_uplink_release: an OVS bridge whose device holds the host's addresses (gre-mesh's br-phy with
// greMesh.underlayBridge, or a gateway bridge ovnkube made of a NIC) carries the host's traffic only
// while ovs-vswitchd runs. Before Open vSwitch stops, the addresses and their routes go back to the
// bridge's NIC (its one system port), and the NIC leaves the bridge (on the kernel datapath a port's
// frames never reach the host's stack; left in conf.db, the next OVS start would take it again) - all in
// ONE command that ignores a dropped session (SIGHUP/SIGPIPE) and puts everything back if a step fails.
// The address is on both links for a moment, so the session ovnctl runs it through never loses its path.
//
// gre_mesh_absent: the mesh's tunnel ports (marked external_ids:ovnctl-peer), its OVS bridge (br0),
// br-phy, and the Linux bridge docker0 when ovnctl made it. Facts read what is there; a rerun plans
// nothing.
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import { findBridge, ovsLayout, type OvsBridge, type OvsLayout } from '../facts/net-ovs.js';
import { ipLinks, type IpAddress, type Link } from '../facts/net.js';
import { Resource } from '../facts/resources.js';
import { dockerPresent, OVS_CONF_DB, ovsConfOffline } from '../facts/uninstall.js';
import { ctl } from '../ovn/dbctl.js';
import { raw, sh, type Command } from '../shell/command.js';
import { ipInCidr, parseIpv4, parseIpv4Cidr } from '../util/ipv4.js';
import { PEER_KEY } from './gre-names.js';
import { defineModule, noChange, type Plan } from './module.js';
import { IfName } from './ovs-bridge.js';

/** Link kinds that are not a NIC: a VM's tap, an OVS port device, a bridge, a dummy. */
const NOT_NIC = new Set(['bridge', 'tun', 'openvswitch', 'dummy']);

/** Addresses that move with the host: IPv4, and IPv6 but link-local (the kernel makes those per link). */
const movable = (a: IpAddress): boolean => a.family === 'inet' || !/^fe[89ab]/i.test(a.local);

const cidrOf = (a: IpAddress): string => `${a.local}/${a.prefixlen}`;

/** The bridge's ports that are NICs of the host: system interfaces (type ''), not taps or other bridges. */
function nicPorts(br: OvsBridge, layout: OvsLayout, links: Map<string, Link>): string[] {
  return br.ports.filter((name) => {
    if (name === br.name) return false;
    const port = layout.ports.find((p) => p.name === name);
    const link = links.get(name);
    return (
      port !== undefined &&
      port.interfaces.length === 1 &&
      port.interfaces[0].type === '' &&
      link !== undefined &&
      !NOT_NIC.has(link.kind) &&
      name !== 'lo'
    );
  });
}

/**
 * One step: the addresses onto the NIC, off the bridge; the NIC out of the bridge; the bridge's routes
 * (but the kernel's own prefix routes) onto the NIC. Any failure puts every piece back and exits 1.
 */
export function releaseUplinkCommand(o: { bridge: string; uplink: string; addresses: IpAddress[] }): Command {
  const { bridge, uplink, addresses } = o;
  const v4 = addresses.filter((a) => a.family === 'inet').map(cidrOf);
  const v6 = addresses.filter((a) => a.family === 'inet6').map(cidrOf);
  const vsctl = (...args: string[]) => ctl('vswitch', args);
  // `ip route show dev X` omits "dev X"; flags it prints but `ip route replace` refuses are dropped.
  const routes = (family: '-4' | '-6') =>
    sh`ip ${raw(family)} route show dev ${bridge} | grep -v -e 'proto kernel' -e 'proto ra' | \
sed -e 's/ linkdown//' -e 's/ dead//' || true`;
  const addAll = (dev: string) => [
    ...v4.map((c) => sh`ip addr replace ${c} brd + dev ${dev}`),
    ...v6.map((c) => sh`ip -6 addr replace ${c} dev ${dev}`),
  ];
  const delAll = (dev: string) => [...v4, ...v6].map((c) => sh`ip addr del ${c} dev ${dev} 2>/dev/null`);
  const replayFamily = (family: '-4' | '-6', list: string, dev: string) =>
    sh`printf '%s\\n' ${raw(list)} | while read -r route; do \
[ -z "$route" ] || ip ${raw(family)} route replace $route dev ${dev} || exit 1; done`;
  const replay = (dev: string) => sh`${replayFamily('-4', '"$r4"', dev)} &&
  ${replayFamily('-6', '"$r6"', dev)}`;
  const lines = (cs: Command[], sep: string) => raw(cs.map((c) => c.script).join(sep));
  return sh`trap '' HUP PIPE
r4=$(${routes('-4')})
${v6.length > 0 ? sh`r6=$(${routes('-6')})` : raw('r6=')}
rollback() {
  echo "moving the addresses of ${bridge} back to ${uplink} failed at: $1; putting them back on ${bridge}" >&2
  ${vsctl('--may-exist', 'add-port', bridge, uplink)}
  ip link set ${bridge} up
  ${lines(addAll(bridge), '\n  ')}
  ${replay(bridge)}
  ${lines(delAll(uplink), '\n  ')}
  exit 1
}
ip link set ${uplink} up || rollback "ip link set ${uplink} up"
${lines(
  addAll(uplink).map((c) => sh`${c} || rollback ${c.script}`),
  '\n',
)}
ip addr flush dev ${bridge} scope global || rollback "ip addr flush dev ${bridge}"
${vsctl('--if-exists', 'del-port', bridge, uplink)} || rollback "ovs-vsctl del-port ${bridge} ${uplink}"
${replay(uplink)} || rollback "the routes onto ${uplink}"`;
}

export const ovsUplinkRelease = defineModule({
  name: 'ovs_uplink_release',
  args: z.object({}).strict(),
  facts: () => [ovsLayout, ipLinks],
  writes: () => [Resource.links, Resource.localOvsdb],
  plan(_a, facts): Plan {
    const layout = facts(ovsLayout);
    // Stopped (or never installed): no bridge device carries anything now.
    if (!layout) return noChange('Open vSwitch is not running: no OVS bridge holds an address');
    const links = facts(ipLinks);
    if (!links)
      throw new TaskFailure('cannot read the links (`ip -j addr show` failed): iproute2 with JSON output is needed');
    const byName = new Map(links.map((l) => [l.name, l]));
    const commands: Command[] = [];
    const moved: string[] = [];
    const notes: string[] = [];
    for (const br of layout.bridges) {
      const addresses = (byName.get(br.name)?.addresses ?? []).filter(movable);
      if (addresses.length === 0) continue;
      const cidrs = addresses.map(cidrOf).join(' ');
      const nics = nicPorts(br, layout, byName);
      if (nics.length === 0) {
        notes.push(`${br.name} holds ${cidrs} but no NIC: they go with Open vSwitch`);
        continue;
      }
      if (nics.length > 1) {
        throw new TaskFailure(
          `${br.name} holds ${cidrs} and has several NICs (${nics.join(', ')}): ovnctl cannot tell which one ` +
            `they belong on, and stopping Open vSwitch would take them away; move them by hand ` +
            `(ip addr add <cidr> dev <nic>; ip addr del <cidr> dev ${br.name}) and run uninstall again`,
        );
      }
      commands.push(releaseUplinkCommand({ bridge: br.name, uplink: nics[0], addresses }));
      moved.push(`${cidrs} from ${br.name} back to ${nics[0]}`);
    }
    if (commands.length === 0)
      return noChange(notes.length > 0 ? notes.join('; ') : 'no OVS bridge holds an address of the host');
    return {
      commands,
      diff: {
        before: moved.map((m) => m.replace(/ from (\S+) back to (\S+)$/, ' on $1 (port $2)')).join('\n'),
        after: moved.map((m) => m.replace(/ from \S+ back to (\S+)$/, ' on $1')).join('\n'),
      },
      msg: `move ${moved.join('; ')}${notes.length ? `; ${notes.join('; ')}` : ''}`,
    };
  },
});

export const greMeshAbsent = defineModule({
  name: 'gre_mesh_absent',
  args: z
    .object({
      /** The mesh's OVS bridge (greMesh.bridge). */
      bridge: IfName,
      /** The Linux bridge (greMesh.linuxBridge). */
      linuxBridge: IfName,
      podNetwork: z.string().refine((s) => parseIpv4Cidr(s) !== null, { error: 'must be an IPv4 CIDR' }),
      /** greMesh.underlayBridge: br-phy is ovnctl's. */
      underlayBridge: z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]),
      underlayName: IfName.default('br-phy'),
    })
    .strict(),
  facts: () => [ovsLayout, ovsConfOffline, ipLinks, dockerPresent],
  writes: () => [Resource.links, Resource.localOvsdb, Resource.files],
  plan({ bridge, linuxBridge, podNetwork, underlayBridge, underlayName }, facts): Plan {
    const links = facts(ipLinks);
    if (!links)
      throw new TaskFailure('cannot read the links (`ip -j addr show` failed): iproute2 with JSON output is needed');
    const byName = new Map(links.map((l) => [l.name, l]));
    const layout = facts(ovsLayout);
    const commands: Command[] = [];
    const done: string[] = [];
    const kept: string[] = [];

    if (layout) {
      const ours = new Set(layout.ports.filter((p) => PEER_KEY in p.externalIds).map((p) => p.name));
      const mesh = findBridge(layout, bridge);
      const foreign = (mesh?.ports ?? []).filter((p) => p !== bridge && !ours.has(p));
      if (mesh && foreign.length === 0) {
        commands.push(ctl('vswitch', ['--if-exists', 'del-br', bridge]));
        done.push(
          `delete bridge ${bridge}${mesh.ports.length > 1 ? ` and its ${mesh.ports.length - 1} tunnel port(s)` : ''}`,
        );
      } else if (mesh) kept.push(`${bridge} (ports not made by ovnctl: ${foreign.join(', ')})`);
      // Tunnel ports ovnctl made anywhere else (the mesh bridge was renamed since).
      const stray = layout.ports.filter(
        (p) => ours.has(p.name) && !(mesh && foreign.length === 0 && p.bridge === bridge),
      );
      for (const p of stray) commands.push(ctl('vswitch', ['--if-exists', 'del-port', p.bridge || bridge, p.name]));
      if (stray.length > 0) done.push(`delete tunnel port(s) ${stray.map((p) => p.name).join(', ')}`);

      const phy = underlayBridge ? findBridge(layout, underlayName) : undefined;
      if (phy) {
        const held = (byName.get(underlayName)?.addresses ?? []).filter(movable).map(cidrOf);
        const others = phy.ports.filter((p) => p !== underlayName && !nicPorts(phy, layout, byName).includes(p));
        // Still holding the host's address (under --check the move above has not run): deleting it
        // would cut the host off, so it stays; a real run moves the address first and reads again.
        if (held.length > 0) kept.push(`${underlayName} (it holds ${held.join(' ')}: moved to its NIC first)`);
        else if (others.length === 0) {
          commands.push(ctl('vswitch', ['--if-exists', 'del-br', underlayName]));
          done.push(`delete bridge ${underlayName}`);
        } else kept.push(`${underlayName} (ports not made by ovnctl: ${others.join(', ')})`);
      }
    } else {
      // Open vSwitch is stopped: drop the bridges from conf.db, or the next start brings them back
      // (br-phy with the NIC in it).
      const off = facts(ovsConfOffline);
      const names = [bridge, ...(underlayBridge ? [underlayName] : [])];
      const gone = off.bridges.filter((b) => names.includes(b.name));
      if (gone.length > 0) {
        const txn = JSON.stringify([
          'Open_vSwitch',
          {
            op: 'mutate',
            table: 'Open_vSwitch',
            where: [],
            mutations: gone.map((b) => ['bridges', 'delete', ['uuid', b.uuid]]),
          },
        ]);
        commands.push(sh`ovsdb-tool transact ${OVS_CONF_DB} ${txn}`);
        done.push(
          `delete bridge(s) ${gone.map((b) => b.name).join(', ')} from ${OVS_CONF_DB} (Open vSwitch is stopped)`,
        );
      }
    }

    // docker0 is ovnctl's when nothing else can own it: no Docker on the host, a Linux bridge whose only
    // port is the mesh bridge (no pods left on it), holding no address outside the pod network.
    const lb = byName.get(linuxBridge);
    if (lb && lb.kind === 'bridge') {
      const net = parseIpv4Cidr(podNetwork)!;
      const ports = links.filter((l) => l.master === linuxBridge && l.name !== bridge).map((l) => l.name);
      const outside = lb.addresses
        .filter((a) => a.family === 'inet')
        .filter((a) => {
          const ip = parseIpv4(a.local);
          return ip === null || !ipInCidr(ip, net);
        })
        .map(cidrOf);
      const why = facts(dockerPresent)
        ? 'Docker is installed and owns it'
        : ports.length > 0
          ? `ports ${ports.join(', ')} are on it`
          : outside.length > 0
            ? `it holds ${outside.join(' ')}, outside ${podNetwork}`
            : '';
      if (why) kept.push(`${linuxBridge} (${why})`);
      else {
        // Its routes (the pod network's) go with it.
        commands.push(sh`ip link del ${linuxBridge}`);
        done.push(`delete ${linuxBridge} and its pod route`);
      }
    }
    const keptMsg = kept.length > 0 ? `kept ${kept.join('; ')}` : '';
    if (commands.length === 0) return noChange(keptMsg || 'no gre-mesh on this host');
    return { commands, msg: [...done, keptMsg].filter(Boolean).join('; ') };
  },
});

export const UNINSTALL_NET_MODULES = [ovsUplinkRelease, greMeshAbsent];
