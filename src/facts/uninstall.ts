// Facts the uninstall reads: which of a set of paths (globs) exist, and Open vSwitch's configuration
// database read offline (ovsdb-tool), for when ovsdb-server is not running.
import { TaskFailure } from '../errors.js';
import { defineFact } from './fact.js';
import { Resource } from './resources.js';

/** A glob of absolute paths without shell syntax: `*`, `?` and `~` are the only specials it may hold. */
export const SAFE_GLOB = /^\/[A-Za-z0-9_.~*?/+-]+$/;

export interface PresentPath {
  path: string;
  /** `dir` = a directory with entries, `emptydir` = an empty one, `file` = anything else (files, links). */
  kind: 'file' | 'dir' | 'emptydir';
}

/** The existing paths among `patterns` (globs expanded by the host's shell). */
export function pathsPresent(patterns: readonly string[]) {
  for (const p of patterns) if (!SAFE_GLOB.test(p)) throw new Error(`unsafe path pattern: ${p}`);
  const sorted = [...patterns].sort();
  // Unquoted on purpose so the shell expands the globs; SAFE_GLOB keeps anything else out.
  const script =
    `for p in ${sorted.join(' ')}; do if [ -L "$p" ] || [ -f "$p" ]; then echo "file $p"; ` +
    `elif [ -d "$p" ]; then if [ -z "$(ls -A "$p")" ]; then echo "emptydir $p"; else echo "dir $p"; fi; ` +
    `elif [ -e "$p" ]; then echo "file $p"; fi; done`;
  return defineFact(
    `paths.present:${sorted.join(',')}`,
    script,
    (out): PresentPath[] =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const at = l.indexOf(' ');
          return { kind: l.slice(0, at) as PresentPath['kind'], path: l.slice(at + 1) };
        }),
    { reads: [Resource.files], inline: true },
  );
}

export const OVS_CONF_DB = '/etc/openvswitch/conf.db';

export interface OvsConfOffline {
  exists: boolean;
  bridges: { name: string; uuid: string }[];
  externalIds: Record<string, string>;
}

const OFFLINE_QUERY = JSON.stringify([
  'Open_vSwitch',
  { op: 'select', table: 'Bridge', where: [], columns: ['name', '_uuid'] },
  { op: 'select', table: 'Open_vSwitch', where: [], columns: ['external_ids'] },
]);

/** The bridges and external_ids in conf.db, read from the file (no ovsdb-server needed). */
export const ovsConfOffline = defineFact(
  'ovs.conf-offline',
  `if [ -e ${OVS_CONF_DB} ]; then ovsdb-tool query ${OVS_CONF_DB} '${OFFLINE_QUERY}'; else echo absent; fi`,
  (out, rc): OvsConfOffline => parseOvsConfOffline(out, rc),
  { reads: [Resource.files, Resource.localOvsdb], inline: true },
);

export function parseOvsConfOffline(out: string, rc: number): OvsConfOffline {
  const text = out.trim();
  if (text === 'absent') return { exists: false, bridges: [], externalIds: {} };
  if (rc !== 0 || !text.startsWith('['))
    throw new TaskFailure(`cannot read ${OVS_CONF_DB} with ovsdb-tool: ${text.split('\n').at(-1)}`);
  type Row = Record<string, unknown>;
  const [bridges, ovs] = JSON.parse(text) as { rows: Row[] }[];
  const map = (ovs.rows[0]?.external_ids as [string, [string, string][]] | undefined)?.[1] ?? [];
  return {
    exists: true,
    bridges: bridges.rows.map((r) => ({ name: String(r.name), uuid: String((r._uuid as [string, string])[1]) })),
    externalIds: Object.fromEntries(map),
  };
}

/**
 * Whether conf.db's file still holds any of `words` anywhere: in the current rows or in an old
 * transaction (ovsdb-server appends every change and its ovs-vsctl command line as a comment, and only
 * a compaction drops them). A fixed-string grep of the file, never printing what matched.
 */
export function confDbMentions(words: readonly string[]) {
  for (const w of words) if (!/^[A-Za-z0-9_.:-]+$/.test(w)) throw new Error(`unsafe word: ${w}`);
  const patterns = words.map((w) => `-e ${w}`).join(' ');
  return defineFact(
    `ovs.conf-mentions:${words.join(',')}`,
    `if [ -e ${OVS_CONF_DB} ] && grep -qF ${patterns} ${OVS_CONF_DB}; then echo yes; else echo no; fi`,
    (out) => out.trim() === 'yes',
    { reads: [Resource.files, Resource.localOvsdb], inline: true },
  );
}

/** Docker is on the host (its daemon or its socket): then docker0 is Docker's, not ovnctl's. */
export const dockerPresent = defineFact(
  'docker.present',
  'if [ -e /var/run/docker.sock ] || command -v dockerd >/dev/null 2>&1; then echo yes; else echo no; fi',
  (out) => out.trim() === 'yes',
  { reads: [Resource.files], inline: true },
);
