// Facts about Open vSwitch: the local Open_vSwitch record and bridges.
import { ctlText } from '../ovn/dbctl.js';
import { defineFact } from './fact.js';
import { Resource } from './resources.js';

/** Parse an OVSDB map as ovs-vsctl prints it: {a=b, "c"="d e"}. */
export function parseOvsdbMap(text: string): Record<string, string> {
  const body = text.trim().replace(/^\{/, '').replace(/\}$/, '');
  const out: Record<string, string> = {};
  const re = /\s*("(?:[^"\\]|\\.)*"|[^=,\s]+)=("(?:[^"\\]|\\.)*"|[^,]*)\s*,?/g;
  for (const m of body.matchAll(re)) out[unquoteOvsdb(m[1])] = unquoteOvsdb(m[2].trim());
  return out;
}

export function unquoteOvsdb(s: string): string {
  if (s.startsWith('"') && s.endsWith('"')) return s.slice(1, -1).replace(/\\(.)/g, '$1');
  return s;
}

/** Open_vSwitch external_ids; null when ovsdb-server is not reachable (OVS not installed or stopped). */
export const ovsExternalIds = defineFact(
  'ovs.external-ids',
  ctlText('vswitch', ['get', 'Open_vSwitch', '.', 'external_ids']),
  (out, rc) => (rc === 0 ? parseOvsdbMap(out) : null),
  { reads: [Resource.localOvsdb] },
);

export const ovsBridges = defineFact(
  'ovs.bridges',
  ctlText('vswitch', ['list-br']),
  (out, rc) =>
    rc === 0
      ? out
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
      : null,
  { reads: [Resource.localOvsdb] },
);
