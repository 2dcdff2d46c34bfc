// Every chassis the SB database holds, with its encaps: what `ovnctl report` draws the tunnel mesh
// between. Asked on a master's local socket (any RAFT member answers: a read needs no leader).
import { ctlText, toolName } from '../ovn/dbctl.js';
import { lastLine } from '../ovn/output.js';
import { defineFact } from './fact.js';
import { Resource } from './resources.js';

export interface ChassisRow {
  name: string;
  hostname: string;
  encaps: { type: string; ip: string }[];
}

export interface SbChassisList {
  /** The SB database answered; else `error` says what its client said. */
  reachable: boolean;
  error: string;
  chassis: ChassisRow[];
}

const list = (table: string, columns: string[]) =>
  `${ctlText('sb', ['list', table], { json: true, columns, leaderOnly: false })} 2>&1`;

export const sbChassisList = defineFact(
  'ovn.sb-chassis-list',
  `${list('Chassis', ['name', 'hostname'])} && ${list('Encap', ['chassis_name', 'type', 'ip'])}`,
  (out, rc) => parseSbChassisList(out, rc),
  { reads: [Resource.sb], inline: true },
);

/** An atom of `--format=json` output: a string, or ["set", []] for an empty optional column. */
const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

export function parseSbChassisList(out: string, rc: number): SbChassisList {
  const tool = toolName('sb');
  if (rc !== 0) return { reachable: false, error: lastLine(out) || `${tool} exited ${rc}`, chassis: [] };
  const tables = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { data: unknown[][] });
  if (tables.length !== 2)
    return { reachable: false, error: `unexpected ${tool} output: ${lastLine(out)}`, chassis: [] };
  const chassis = tables[0].data.map((r) => ({
    name: text(r[0]),
    hostname: text(r[1]),
    encaps: [] as ChassisRow['encaps'],
  }));
  for (const [name, type, ip] of tables[1].data.map((r) => r.map(text))) {
    chassis.find((c) => c.name === name)?.encaps.push({ type, ip });
  }
  chassis.sort((a, b) => a.name.localeCompare(b.name));
  return { reachable: true, error: '', chassis };
}
