// Tunnel port names: one per peer, deterministic, and at most 15 bytes (Linux's interface name limit,
// which ovs-vswitchd applies to port names that may become devices).
import { sha256 } from '../util/hash.js';

export type TunnelType = 'gre' | 'vxlan' | 'geneve';

export const IFNAME_MAX = 15;
const PREFIX: Record<TunnelType, string> = { gre: 'gre-', vxlan: 'vxl-', geneve: 'gnv-' };
/** Marks a port ovnctl made for a peer: only ports with this external_id are ever fixed or removed. */
export const PEER_KEY = 'ovnctl-peer';

/**
 * `gre-<peer>` when it fits; else the prefix, the peer name's start and 4 hex digits of its sha256,
 * e.g. gre-worker-0a1b2c3d.example.com → gre-worker-9f3e (two long names that share a start still differ).
 */
export function tunnelPortName(type: TunnelType, peer: string): string {
  const full = PREFIX[type] + peer;
  if (full.length <= IFNAME_MAX) return full;
  const hash = sha256(peer).slice(0, 4);
  return `${PREFIX[type]}${peer.slice(0, IFNAME_MAX - PREFIX[type].length - hash.length - 1)}-${hash}`;
}
