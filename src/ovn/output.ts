// What the OVN clients print, read back: the Connection table's targets and a chassis with its encaps.

/**
 * The targets of an OVN database's Connection table. The SB client prints
 * `read-write role="" ptcp:6642`; the NB client prints `ptcp:6641`.
 */
export function parseConnectionTargets(out: string): string[] {
  return [...out.matchAll(/\b(p?(?:tcp|ssl|unix):[^\s"]+)/g)].map((m) => m[1]);
}

export interface SbChassis {
  /** The SB database answered. */
  reachable: boolean;
  error: string;
  /** A Chassis row of this name exists. */
  present: boolean;
  encaps: { type: string; ip: string }[];
}

/** Two `--format=json` tables: the Chassis rows of one name, then its Encap rows (type, ip). */
export function parseSbChassis(out: string, rc: number, tool: string): SbChassis {
  const none = { present: false, encaps: [] };
  if (rc !== 0) return { reachable: false, error: lastLine(out) || `${tool} exited ${rc}`, ...none };
  const tables = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { data: unknown[][] });
  if (tables.length !== 2) return { reachable: false, error: `unexpected ${tool} output: ${lastLine(out)}`, ...none };
  return {
    reachable: true,
    error: '',
    present: tables[0].data.length > 0,
    encaps: tables[1].data.map((r) => ({ type: String(r[0]), ip: String(r[1]) })),
  };
}

export function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}
