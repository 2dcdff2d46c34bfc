// Linux networking for the gre-mesh: the Linux bridge pods hang off (docker0) with this host's pod
// subnet gateway and the OVS bridge as a port, a route, and a /proc/sys setting. iproute2 only
// (`ip link set X master Y`, not the deprecated brctl). Runtime state: a reboot loses it, a rerun
// restores it.
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import { ipLinks, ipv4Routes, procSys, procSysPath, type Link } from '../facts/net.js';
import { raw, sh, type Command } from '../shell/command.js';
import { ipInCidr, parseIpv4, parseIpv4Cidr } from '../util/ipv4.js';
import { podSubnets, type PodSubnet } from './gre-subnets.js';
import { defineModule, noChange } from './module.js';
import { IfName } from './ovs-bridge.js';

const Ipv4Cidr = z
  .string()
  .refine((s) => parseIpv4Cidr(s) !== null, { error: 'must be an IPv4 CIDR such as 172.17.0.0/16' });

function subnetOf(host: string, hosts: string[], podNetwork: string, explicit: Record<string, string>): PodSubnet {
  try {
    return podSubnets(hosts, podNetwork, explicit).get(host)!;
  } catch (e) {
    throw new TaskFailure((e as Error).message);
  }
}

export const podBridge = defineModule({
  name: 'pod_bridge',
  args: z
    .object({
      name: IfName,
      /** Links made ports of the bridge (the OVS bridge's own interface, br0). */
      ports: z.array(IfName).default([]),
      podNetwork: Ipv4Cidr,
      hostSubnets: z.record(z.string(), Ipv4Cidr).nullable().default(null),
    })
    .strict(),
  facts: () => [ipLinks],
  plan({ name, ports, podNetwork, hostSubnets }, facts, { host, inventory }) {
    const mine = subnetOf(
      host.name,
      inventory.hosts.map((h) => h.name),
      podNetwork,
      hostSubnets ?? {},
    );
    const links = facts(ipLinks);
    if (!links)
      throw new TaskFailure('cannot read the links (`ip -j addr show` failed): iproute2 with JSON output is needed');
    const byName = new Map(links.map((l) => [l.name, l]));
    const bridge = byName.get(name);
    if (bridge && bridge.kind !== 'bridge') {
      throw new TaskFailure(
        `${name} exists but is a ${bridge.kind || 'plain'} link, not a Linux bridge: ` +
          `remove it (ip link del ${name}) or set greMesh.linuxBridge`,
      );
    }
    const commands: Command[] = [];
    const steps: string[] = [];
    if (!bridge) {
      commands.push(sh`ip link add ${name} type bridge`);
      steps.push(`create ${name}`);
    }
    // Addresses in the pod network other than our gateway are stale (an earlier allocation, or
    // Docker's default 172.17.0.1/16): they would claim another host's pods.
    const net = parseIpv4Cidr(podNetwork)!;
    const v4 = (bridge?.addresses ?? []).filter((a) => a.family === 'inet');
    for (const a of v4) {
      const ip = parseIpv4(a.local);
      const cidr = `${a.local}/${a.prefixlen}`;
      if (ip !== null && ipInCidr(ip, net) && cidr !== mine.gatewayCidr) {
        commands.push(sh`ip addr del ${cidr} dev ${name}`);
        steps.push(`remove ${cidr}`);
      }
    }
    if (!v4.some((a) => `${a.local}/${a.prefixlen}` === mine.gatewayCidr)) {
      commands.push(sh`ip addr add ${mine.gatewayCidr} dev ${name}`);
      steps.push(`address ${mine.gatewayCidr}`);
    }
    for (const p of ports) {
      const link = byName.get(p);
      if (link?.master !== name) {
        commands.push(sh`ip link set ${p} master ${name}`);
        steps.push(link?.master ? `move ${p} from ${link.master}` : `attach ${p}`);
      }
    }
    for (const l of [...ports.map((p) => ({ n: p, link: byName.get(p) })), { n: name, link: bridge }]) {
      if (!l.link?.up) {
        commands.push(sh`ip link set ${l.n} up`);
        steps.push(`${l.n} up`);
      }
    }
    const state = (b: Link | undefined) =>
      b
        ? `${name}: ${v4.map((a) => `${a.local}/${a.prefixlen}`).join(' ') || 'no IPv4'}; ports ${
            links
              .filter((l) => l.master === name)
              .map((l) => l.name)
              .join(' ') || 'none'
          }`
        : `${name}: absent`;
    if (commands.length === 0)
      return noChange(`${name} ${mine.gatewayCidr} (pod subnet ${mine.cidr}), ports ${ports.join(', ') || 'none'}, up`);
    return {
      commands,
      diff: { before: state(bridge), after: `${name}: ${mine.gatewayCidr}; ports ${ports.join(' ') || 'none'}; up` },
      msg: `${steps.join(', ')} (pod subnet ${mine.cidr})`,
    };
  },
});

export const ipRoute = defineModule({
  name: 'ip_route',
  args: z.object({ dst: Ipv4Cidr, dev: IfName }).strict(),
  facts: () => [ipv4Routes],
  plan({ dst, dev }, facts) {
    const routes = facts(ipv4Routes) ?? [];
    const current = routes.find((r) => r.dst === dst || `${r.dst}/32` === dst);
    if (current && current.dev === dev && !current.gateway) return noChange(`${dst} dev ${dev}`);
    return {
      commands: [sh`ip route replace ${dst} dev ${dev}`],
      diff: {
        before: current
          ? `${dst} ${current.gateway ? `via ${current.gateway} ` : ''}dev ${current.dev ?? '?'}`
          : `${dst}: no route`,
        after: `${dst} dev ${dev}`,
      },
      msg: `route ${dst} dev ${dev}`,
    };
  },
});

export const sysctl = defineModule({
  name: 'sysctl',
  args: z
    .object({
      name: z
        .string()
        .regex(/^[a-z0-9_]+(\.[a-z0-9_-]+)+$/, { error: 'must be a sysctl name such as net.ipv4.ip_forward' }),
      value: z.union([z.string(), z.number()]).transform(String),
    })
    .strict(),
  facts: ({ name }) => [procSys(name)],
  plan({ name, value }, facts) {
    const current = facts(procSys(name));
    if (current === null) throw new TaskFailure(`the kernel has no setting ${name} (${procSysPath(name)} is missing)`);
    if (current === value) return noChange(`${name} = ${value}`);
    // Written to /proc/sys directly: the sysctl binary (procps) may be missing.
    return {
      commands: [sh`echo ${value} ${raw('>')} ${procSysPath(name)}`],
      diff: { before: `${name} = ${current}`, after: `${name} = ${value}` },
      msg: `${name} = ${value}`,
    };
  },
});
