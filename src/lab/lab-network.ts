// The lab's links: a bridge with the gateway address, and per host a netns with a veth on the bridge.
// Hosts get an address in the lab subnet and no default route: they reach the bridge subnet only.
// A stopped host (lab-host.ts stopHost) has neither netns nor veth: its network is made again at boot,
// with the same address and the same MAC, like a machine that rebooted.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { OvnctlError } from '../errors.js';
import { describeFailure, run } from './exec.js';
import type { LabJournal } from './lab-state.js';

const PREFIX_LEN = 24;

export async function createBridge(journal: LabJournal): Promise<void> {
  const { bridge, gateway } = journal.state;
  if ((await existingLinks()).includes(bridge)) throw taken(`bridge ${bridge}`);
  journal.record({ kind: 'link', name: bridge });
  await run(['ip', 'link', 'add', bridge, 'type', 'bridge', 'forward_delay', '0']);
  await pinBridgeAddress(bridge);
  // No IPv6 on the machine's side of the lab: hosts must not reach it by link-local addresses either.
  disableIpv6(bridge);
  await run(['ip', 'addr', 'add', `${gateway}/${PREFIX_LEN}`, 'dev', bridge]);
  await run(['ip', 'link', 'set', bridge, 'up']);
}

/**
 * The host's netns and veth pair (eth0 inside, `veth` on the bridge). eth0 gets `host.mac` when the
 * host had one (a host booted again keeps its MAC); otherwise the kernel's, recorded in `host.mac`.
 */
export async function createHostNetwork(
  journal: LabJournal,
  host: { netns: string; veth: string; address: string; mac?: string },
): Promise<void> {
  const { bridge } = journal.state;
  // Never record (and so later delete) a name that something else already owns.
  if ((await existingNetns()).includes(host.netns)) throw taken(`network namespace ${host.netns}`);
  if ((await existingLinks()).includes(host.veth)) throw taken(`link ${host.veth}`);
  journal.record({ kind: 'netns', name: host.netns });
  await run(['ip', 'netns', 'add', host.netns]);
  journal.record({ kind: 'link', name: host.veth });
  const mac = host.mac ? ['address', host.mac] : [];
  await run(['ip', 'link', 'add', host.veth, 'type', 'veth', 'peer', 'name', 'eth0', ...mac, 'netns', host.netns]);
  host.mac ??= await hostMac(host.netns);
  journal.save();
  disableIpv6(host.veth);
  await run(['ip', 'link', 'set', host.veth, 'master', bridge, 'up']);
  const inNs = (...args: string[]) => run(['ip', '-n', host.netns, ...args]);
  await inNs('link', 'set', 'lo', 'up');
  await inNs('addr', 'add', `${host.address}/${PREFIX_LEN}`, 'dev', 'eth0');
  await inNs('link', 'set', 'eth0', 'up');
}

/** The MAC of eth0 in a host's netns, or undefined when there is none. */
export async function hostMac(netns: string): Promise<string | undefined> {
  const r = await run(['ip', '-n', netns, '-j', 'link', 'show', 'eth0'], { allowFailure: true });
  if (r.exitCode !== 0) return undefined;
  return (JSON.parse(r.stdout || '[]') as { address?: string }[])[0]?.address;
}

/**
 * Fix the bridge's MAC to the one it has. A bridge with a kernel-chosen MAC takes the lowest MAC of its
 * ports, so it would change when a stopped host's veth leaves, and every host's ARP entry for the
 * gateway (the mirror) would be wrong until it expired.
 */
export async function pinBridgeAddress(bridge: string): Promise<void> {
  const sys = `/sys/class/net/${bridge}`;
  const NET_ADDR_SET = '3';
  if (readFileSync(`${sys}/addr_assign_type`, 'utf8').trim() === NET_ADDR_SET) return;
  await run(['ip', 'link', 'set', 'dev', bridge, 'address', readFileSync(`${sys}/address`, 'utf8').trim()]);
}

/**
 * Forget `address` in the neighbour (ARP) tables of the machine's side of the bridge and of the given
 * netns, as if their entries had expired: a new connection to it then fails once ARP gives up (~3 s,
 * "No route to host") instead of sending into a cached MAC for up to a minute. Gone netns are fine.
 */
export async function forgetNeighbour(bridge: string, address: string, netns: readonly string[]): Promise<void> {
  await run(['ip', 'neigh', 'flush', 'to', address, 'dev', bridge], { allowFailure: true });
  await Promise.all(
    netns.map((ns) => run(['ip', '-n', ns, 'neigh', 'flush', 'to', address, 'dev', 'eth0'], { allowFailure: true })),
  );
}

/** Delete a link; one that is already gone is fine. */
export async function deleteLink(name: string): Promise<void> {
  const r = await run(['ip', 'link', 'del', name], { allowFailure: true });
  if (r.exitCode !== 0 && (await existingLinks()).includes(name)) throw new OvnctlError(describeFailure(r));
}

/** Delete a network namespace (and so the veth end inside it, and its peer); a gone one is fine. */
export async function deleteNetns(name: string): Promise<void> {
  const r = await run(['ip', 'netns', 'del', name], { allowFailure: true });
  if (r.exitCode !== 0 && (await existingNetns()).includes(name)) throw new OvnctlError(describeFailure(r));
}

/** Link and netns names that exist now (for status, checks and tests). */
export async function existingLinks(): Promise<string[]> {
  const links = JSON.parse((await run(['ip', '-j', 'link', 'show'])).stdout || '[]') as { ifname: string }[];
  return links.map((l) => l.ifname);
}

export async function existingNetns(): Promise<string[]> {
  const out = (await run(['ip', '-j', 'netns', 'list'])).stdout.trim();
  return out ? (JSON.parse(out) as { name: string }[]).map((n) => n.name) : [];
}

function taken(what: string): OvnctlError {
  return new OvnctlError(
    `${what} already exists: a lab of the same name is up elsewhere (take it down, or use another --name)`,
  );
}

function disableIpv6(ifname: string): void {
  const knob = `/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`;
  if (existsSync(knob)) writeFileSync(knob, '1');
}
