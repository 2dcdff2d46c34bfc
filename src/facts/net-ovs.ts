// The OVS switch layout the gre-mesh modules reconcile: bridges, their ports (with the columns ovnctl
// marks its tunnel ports by) and each port's interfaces, read as OVSDB JSON in one fact.
import { ctlText } from '../ovn/dbctl.js';
import { defineFact } from './fact.js';
import { Resource } from './resources.js';

export interface OvsInterface {
  name: string;
  /** '' is a plain system interface (a NIC or veth); internal, gre, vxlan, geneve, ... */
  type: string;
  options: Record<string, string>;
  /** -1 when ovs-vswitchd could not open it; `error` then says why. */
  ofport: number;
  error: string;
}

export interface OvsPort {
  name: string;
  /** The bridge that holds the port ('' for a port no bridge references, which OVSDB garbage-collects). */
  bridge: string;
  protected: boolean;
  externalIds: Record<string, string>;
  interfaces: OvsInterface[];
}

export interface OvsBridge {
  name: string;
  /** '' means the default, the kernel datapath ("system"). */
  datapathType: string;
  otherConfig: Record<string, string>;
  ports: string[];
}

export interface OvsLayout {
  bridges: OvsBridge[];
  ports: OvsPort[];
}

type Json = unknown;

/** An OVSDB JSON datum: an atom, ["uuid", u], ["set", [...]], ["map", [[k, v], ...]]. */
function atoms(datum: Json): Json[] {
  if (Array.isArray(datum) && datum[0] === 'set') return datum[1] as Json[];
  return [datum];
}

function atom(datum: Json): string {
  if (Array.isArray(datum) && (datum[0] === 'uuid' || datum[0] === 'named-uuid')) return String(datum[1]);
  if (Array.isArray(datum) && datum[0] === 'set')
    return (datum[1] as Json[]).length ? atom((datum[1] as Json[])[0]) : '';
  return String(datum);
}

function map(datum: Json): Record<string, string> {
  if (!Array.isArray(datum) || datum[0] !== 'map') return {};
  return Object.fromEntries((datum[1] as [Json, Json][]).map(([k, v]) => [atom(k), atom(v)]));
}

/** The rows of one `ovs-vsctl --format=json list` table, as objects keyed by heading. */
function rows(text: string): Record<string, Json>[] {
  const t = JSON.parse(text) as { headings: string[]; data: Json[][] };
  return t.data.map((r) => Object.fromEntries(t.headings.map((h, i) => [h, r[i]])));
}

const SEP = '@@ovnctl-table@@';
const LIST = (table: string, columns: string) =>
  ctlText('vswitch', ['list', table], { json: true, columns: columns.split(',') });

export function parseOvsLayout(out: string): OvsLayout {
  const [bridgeText, portText, ifaceText] = out.split(SEP).map((s) => s.trim());
  const ifaces = new Map(
    rows(ifaceText).map((r) => [
      atom(r._uuid),
      {
        name: atom(r.name),
        type: atom(r.type),
        options: map(r.options),
        ofport: Number(atom(r.ofport) || -1),
        error: atom(r.error),
      } satisfies OvsInterface,
    ]),
  );
  const bridges = rows(bridgeText).map((r) => ({
    name: atom(r.name),
    datapathType: atom(r.datapath_type),
    otherConfig: map(r.other_config),
    portUuids: atoms(r.ports).map(atom),
  }));
  const bridgeOf = new Map(bridges.flatMap((b) => b.portUuids.map((u) => [u, b.name] as const)));
  const portRows = rows(portText).map((r) => ({
    uuid: atom(r._uuid),
    port: {
      name: atom(r.name),
      bridge: bridgeOf.get(atom(r._uuid)) ?? '',
      protected: atom(r.protected) === 'true',
      externalIds: map(r.external_ids),
      interfaces: atoms(r.interfaces)
        .map((u) => ifaces.get(atom(u)))
        .filter((i): i is OvsInterface => i !== undefined),
    } satisfies OvsPort,
  }));
  const portName = new Map(portRows.map((p) => [p.uuid, p.port.name]));
  return {
    bridges: bridges.map(({ portUuids, ...b }) => ({
      ...b,
      ports: portUuids
        .map((u) => portName.get(u) ?? '')
        .filter(Boolean)
        .sort(),
    })),
    ports: portRows.map((p) => p.port),
  };
}

/** Bridges, ports and interfaces; null when ovsdb-server is not reachable (OVS not installed or stopped). */
export const ovsLayout = defineFact(
  'net.ovs-layout',
  [
    LIST('Bridge', '_uuid,name,datapath_type,other_config,ports'),
    `echo ${SEP}`,
    LIST('Port', '_uuid,name,protected,external_ids,interfaces'),
    `echo ${SEP}`,
    LIST('Interface', '_uuid,name,type,options,ofport,error'),
  ].join(' && '),
  (out, rc) => (rc === 0 ? parseOvsLayout(out) : null),
  { reads: [Resource.localOvsdb], inline: true },
);

export const findBridge = (l: OvsLayout, name: string): OvsBridge | undefined => l.bridges.find((b) => b.name === name);
