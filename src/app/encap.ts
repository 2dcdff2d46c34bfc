// Before a playbook is loaded: the tunnel endpoint of each selected host named by DNS without encapIp,
// read on the host (facts/encap.ts: its source address toward the first master), so every task's args
// render with the address itself. Hosts with an IP address or an encapIp are not contacted here. The
// connections opened for the read are handed to the run, which uses them: one connect per host either way.
import { TaskFailure, UnreachableError } from '../errors.js';
import { encapAddress } from '../facts/encap.js';
import { gatherFacts } from '../facts/gather.js';
import { canonicalIp } from '../inventory/checks.js';
import type { Connection } from '../connection/types.js';
import type { Host, Inventory } from '../inventory/types.js';
import { masters } from '../ovn/topology.js';
import { mapLimit } from '../util/concurrency.js';
import { closeAll, type Connector } from './connect.js';

/** The fact every host named by DNS reads: toward the first master (whose address is an IP: checks.ts). */
export function encapFact(inv: Inventory) {
  return encapAddress(masters(inv)[0].address);
}

/** The inventory with the endpoints filled in, and the connections the read opened, by host name. */
export interface EncapRead {
  inventory: Inventory;
  /** Open: the caller uses them for the run and closes every one it does not use. */
  connections: Map<string, Connection>;
}

/**
 * `inv` with the encapIp of every host of `selected` that reads it on the host filled in. A host that
 * cannot be reached stops the run (exit 4): without its address no task of it can be prepared. No route
 * toward the first master, or two nodes with one endpoint, is exit 2, naming the host and the fix; the
 * connections are closed then.
 */
export async function readEncapAddresses(
  inv: Inventory,
  selected: readonly Host[],
  connect: Connector,
  forks: number,
): Promise<EncapRead> {
  const connections = new Map<string, Connection>();
  const needed = selected.filter((h) => h.encapFromHost);
  if (needed.length === 0) return { inventory: inv, connections };
  const fact = encapFact(inv);
  const factory = connect(inv);
  const found = new Map<string, string>();
  const unreachable: string[] = [];
  const noRoute = new Set<string>();
  await mapLimit(needed, Math.max(forks, 1), async (h) => {
    const conn = factory(h);
    try {
      await conn.connect();
      connections.set(h.name, conn);
      const ip = (await gatherFacts(conn, [fact])).get(fact.key) as string | null;
      if (ip) found.set(h.name, ip);
      else noRoute.add(h.name);
    } catch (e) {
      connections.delete(h.name);
      await conn.close().catch(() => undefined);
      unreachable.push(e instanceof Error ? e.message : String(e));
    }
  });
  try {
    return { inventory: withEndpoints(inv, needed, found, unreachable, noRoute), connections };
  } catch (e) {
    await closeAll(connections);
    throw e;
  }
}

function withEndpoints(
  inv: Inventory,
  needed: readonly Host[],
  found: Map<string, string>,
  unreachable: readonly string[],
  noRoute: Set<string>,
): Inventory {
  const first = masters(inv)[0];
  if (unreachable.length > 0)
    throw new UnreachableError(`cannot read the tunnel endpoint of a host named by DNS: ${unreachable.join('; ')}`);
  if (noRoute.size > 0)
    throw new TaskFailure(
      `${needed
        .filter((h) => noRoute.has(h.name))
        .map((h) => h.name)
        .join(', ')}: \`ip route get ${first.address}\` (the first master, ${first.name}) gives no source ` +
        'address to use as the tunnel endpoint: set encapIp (ovnctl_encap_ip in an Ansible inventory)',
    );
  const hosts = inv.hosts.map((h) => (found.has(h.name) ? { ...h, encapIp: found.get(h.name)! } : h));
  checkTunnelEndpoints(hosts);
  return { ...inv, hosts };
}

/** Two nodes with one tunnel endpoint break the overlay (inventory/checks.ts checks those it knows at load). */
function checkTunnelEndpoints(hosts: readonly Host[]): void {
  const seen = new Map<string, string>();
  for (const h of hosts) {
    if (!h.roles.includes('node') || h.encapIp === '') continue;
    const ip = canonicalIp(h.encapIp);
    const twin = seen.get(ip);
    if (twin && (h.encapFromHost || hosts.find((o) => o.name === twin)?.encapFromHost))
      throw new TaskFailure(
        `${twin} and ${h.name} both use ${h.encapIp} as their tunnel endpoint (read on the host for a host named ` +
          'by DNS): set a distinct encapIp (ovnctl_encap_ip)',
      );
    seen.set(ip, h.name);
  }
}
