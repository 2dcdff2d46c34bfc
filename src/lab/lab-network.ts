// The lab's links: a bridge with the gateway address, and per host a netns with a veth on the bridge.
// Hosts get an address in the lab subnet and no default route: they reach the bridge subnet only.
import { existsSync, writeFileSync } from 'node:fs';
import { OvnctlError } from '../errors.js';
import { describeFailure, run } from './exec.js';
import type { LabJournal } from './lab-state.js';

const PREFIX_LEN = 24;

export async function createBridge(journal: LabJournal): Promise<void> {
  const { bridge, gateway } = journal.state;
  if ((await existingLinks()).includes(bridge)) throw taken(`bridge ${bridge}`);
  journal.record({ kind: 'link', name: bridge });
  await run(['ip', 'link', 'add', bridge, 'type', 'bridge', 'forward_delay', '0']);
  // No IPv6 on the machine's side of the lab: hosts must not reach it by link-local addresses either.
  disableIpv6(bridge);
  await run(['ip', 'addr', 'add', `${gateway}/${PREFIX_LEN}`, 'dev', bridge]);
  await run(['ip', 'link', 'set', bridge, 'up']);
}

export async function createHostNetwork(
  journal: LabJournal,
  host: { netns: string; veth: string; address: string },
): Promise<void> {
  const { bridge } = journal.state;
  // Never record (and so later delete) a name that something else already owns.
  if ((await existingNetns()).includes(host.netns)) throw taken(`network namespace ${host.netns}`);
  if ((await existingLinks()).includes(host.veth)) throw taken(`link ${host.veth}`);
  journal.record({ kind: 'netns', name: host.netns });
  await run(['ip', 'netns', 'add', host.netns]);
  journal.record({ kind: 'link', name: host.veth });
  await run(['ip', 'link', 'add', host.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns]);
  disableIpv6(host.veth);
  await run(['ip', 'link', 'set', host.veth, 'master', bridge, 'up']);
  const inNs = (...args: string[]) => run(['ip', '-n', host.netns, ...args]);
  await inNs('link', 'set', 'lo', 'up');
  await inNs('addr', 'add', `${host.address}/${PREFIX_LEN}`, 'dev', 'eth0');
  await inNs('link', 'set', 'eth0', 'up');
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
