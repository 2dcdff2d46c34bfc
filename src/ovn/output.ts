// What the OVN clients print, read back: the Connection table's targets and a chassis with its encaps.

/**
 * The targets of an OVN database's Connection table. The SB client prints
 * `read-write role="" ptcp:6642`; the NB client prints `ptcp:6641`.
 */
export function parseConnectionTargets(out: string): string[] {
  return parseConnections(out).map((c) => c.target);
}

/** A Connection row: where it listens and its RBAC role ('' = none; the NB has no roles). */
export interface Listener {
  target: string;
  role: string;
}

/** The rows of `get-connection`, one per line: `read-write role="ovn-controller" pssl:6642`. */
export function parseConnections(out: string): Listener[] {
  return [...out.matchAll(/^(?:read-(?:write|only)\s+)?(?:role="([^"]*)"\s+)?(p?(?:tcp|ssl|unix):[^\s"]+)/gm)].map(
    (m) => ({ target: m[2], role: m[1] ?? '' }),
  );
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
