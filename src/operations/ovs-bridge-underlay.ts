// ovs_underlay: the tunnel endpoint address on an OVS bridge (br-phy) that holds the host's uplink.
// The userspace datapath (netdev) encapsulates tunnel traffic itself and only sends it out through
// an OVS bridge whose interface carries the local endpoint address; the kernel's GRE never sees it.
// (OVS's "userspace tunneling" setup; br-phy takes the uplink's MAC so neighbours' ARP caches stay right.)
//
// The address move runs as ONE command that adds the address to br-phy before deleting it from the
// uplink and then re-adds the uplink's routes, so the SSH session ovnctl runs it through (often to
// that very address) never loses its path; a rerun finds the address on br-phy and changes nothing.
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import { findBridge, ovsLayout } from '../facts/net-ovs.js';
import { ipLinks } from '../facts/net.js';
import { ctl } from '../ovn/dbctl.js';
import { raw, sh, type Command } from '../shell/command.js';
import { defineModule, noChange } from './module.js';
import { DatapathType, IfName, datapathOf } from './ovs-bridge.js';

/** Links that are not a host uplink: moving the address off them would break something else. */
const NOT_UPLINK = new Set(['bridge', 'tun', 'openvswitch', 'dummy']);

export function moveAddressCommand(o: {
  bridge: string;
  uplink: string;
  mac: string;
  cidr: string;
  datapathType: string;
}): Command {
  const { bridge, uplink, mac, cidr, datapathType } = o;
  const v6 = cidr.includes(':');
  const settings = [`datapath_type=${datapathType}`, `other_config:hwaddr="${mac}"`];
  const add = ['--may-exist', 'add-br', bridge, '--', 'set', 'bridge', bridge, ...settings];
  const vsctl = (...args: string[]) => ctl('vswitch', args);
  const uplinkError = vsctl('get', 'interface', uplink, 'error');
  return sh`set -e
${vsctl(...add, '--', '--may-exist', 'add-port', bridge, uplink)}
ofport=$(${vsctl('get', 'interface', uplink, 'ofport')})
if [ "$ofport" -le 0 ]; then
  echo "ovs-vswitchd cannot use ${uplink} as a port of ${bridge} ($(${uplinkError})); its address stays where it is" >&2
  ${vsctl('--if-exists', 'del-port', bridge, uplink)}
  exit 1
fi
routes=$(ip ${raw(v6 ? '-6' : '-4')} route show dev ${uplink} | grep -v 'proto kernel' || true)
ip link set ${bridge} up
ip addr replace ${cidr}${raw(v6 ? '' : ' brd +')} dev ${bridge}
ip addr del ${cidr} dev ${uplink}
printf '%s\\n' "$routes" | while read -r route; do [ -z "$route" ] || ip route replace $route dev ${bridge}; done`;
}

export const ovsUnderlay = defineModule({
  name: 'ovs_underlay',
  args: z
    .object({
      bridge: IfName.default('br-phy'),
      /** The tunnel endpoint address (the host's encapIp). */
      address: z.union([z.ipv4(), z.ipv6()], { error: 'must be an IP address' }),
      datapathType: DatapathType.default('netdev'),
    })
    .strict(),
  facts: () => [ipLinks, ovsLayout],
  plan({ bridge, address, datapathType }, facts) {
    const links = facts(ipLinks);
    if (!links)
      throw new TaskFailure('cannot read the links (`ip -j addr show` failed): iproute2 with JSON output is needed');
    const holders = links.filter((l) => l.addresses.some((a) => a.local === address));
    const layout = facts(ovsLayout) ?? { bridges: [], ports: [] };
    const br = findBridge(layout, bridge);
    const onBridge = holders.find((l) => l.name === bridge);
    if (onBridge) {
      const uplinks = (br?.ports ?? []).filter((p) => p !== bridge);
      if (!br || uplinks.length === 0) {
        throw new TaskFailure(
          `${address} is on ${bridge} but ${bridge} holds no uplink: ` +
            `add the host's NIC (ovs-vsctl add-port ${bridge} <nic>); look with ovs-vsctl show`,
        );
      }
      if (datapathOf(br.datapathType) !== datapathType) {
        throw new TaskFailure(
          `${bridge} holds ${address} on the ${datapathOf(br.datapathType)} datapath, not ${datapathType}: ` +
            "changing it under the host's address would cut the host off; move the address back to the uplink first",
        );
      }
      const stale = holders.filter((l) => l.name !== bridge);
      const commands: Command[] = [];
      // A half-finished move (address on both): drop the uplink's copy, as the move would have.
      for (const l of stale) {
        const a = l.addresses.find((x) => x.local === address)!;
        commands.push(sh`ip addr del ${`${address}/${a.prefixlen}`} dev ${l.name}`);
      }
      if (!onBridge.up) commands.push(sh`ip link set ${bridge} up`);
      if (commands.length === 0)
        return noChange(`${address} on ${bridge} (uplink ${uplinks.join(', ')}, ${datapathType} datapath)`);
      return { commands, msg: `finish moving ${address} onto ${bridge}` };
    }
    const uplink = holders[0];
    if (!uplink)
      throw new TaskFailure(
        `no interface holds the tunnel endpoint ${address}: ` +
          "set the host's encapIp to an address it has (look with ip addr)",
      );
    if (NOT_UPLINK.has(uplink.kind) || uplink.name === 'lo') {
      throw new TaskFailure(
        `${address} is on ${uplink.name}, a ${uplink.kind || 'loopback'} link, not a NIC: ` +
          `ovnctl only moves an uplink's address onto ${bridge}`,
      );
    }
    const a = uplink.addresses.find((x) => x.local === address)!;
    const cidr = `${address}/${a.prefixlen}`;
    return {
      commands: [moveAddressCommand({ bridge, uplink: uplink.name, mac: uplink.mac, cidr, datapathType })],
      diff: { before: `${cidr} on ${uplink.name}`, after: `${cidr} on ${bridge} (ports: ${uplink.name})` },
      msg: `move ${cidr} from ${uplink.name} onto OVS bridge ${bridge}`,
    };
  },
});
