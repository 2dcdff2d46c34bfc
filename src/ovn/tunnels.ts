// The tunnel ports ovn-controller keeps on br-int, one per remote chassis (and encap): read out of the
// node's OVS layout. ovn-controller marks each port with external_ids:ovn-chassis-id, the remote
// chassis's name; OVN 22.09 and later append `@<remote ip>%<local ip>` to it.
import type { OvsLayout } from '../facts/net-ovs.js';

export const TUNNEL_TYPES = ['geneve', 'vxlan', 'stt'] as const;

export interface TunnelPort {
  port: string;
  /** The remote chassis's name. */
  chassis: string;
  type: string;
  remoteIp: string;
  /** ovs-vswitchd's complaint about the interface ('' when none). */
  error: string;
}

/** The OVN tunnel ports of `bridge` (br-int); [] when OVS did not answer. */
export function tunnelPorts(layout: OvsLayout | null, bridge = 'br-int'): TunnelPort[] {
  if (!layout) return [];
  const out: TunnelPort[] = [];
  for (const p of layout.ports) {
    const id = p.externalIds['ovn-chassis-id'];
    const iface = p.interfaces[0];
    if (p.bridge !== bridge || !id || !iface || !(TUNNEL_TYPES as readonly string[]).includes(iface.type)) continue;
    out.push({
      port: p.name,
      chassis: id.split('@')[0],
      type: iface.type,
      remoteIp: iface.options.remote_ip ?? '',
      error: iface.error,
    });
  }
  return out.sort((a, b) => a.chassis.localeCompare(b.chassis) || a.port.localeCompare(b.port));
}
