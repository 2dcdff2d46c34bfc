// Facts about a master's NB or SB database with 2+ masters: its file (there? clustered or standalone?
// how many data rows a standalone one holds) and, when its server runs, what `cluster/status` says
// (the cluster id among it). One inline command per database, so a rerun stays one round trip.
import { CLUSTERED_FILE_MAGIC, clusterCommand, DB_FILES } from '../ovn/central-options.js';
import {
  parseClusterStatus,
  parseServerDatabase,
  type ClusterStatus,
  type ServerDatabase,
} from '../ovn/cluster-status.js';
import { appctl, serverDatabaseQuery } from '../ovn/dbctl.js';
import { ctlTarget } from '../ovn/daemons.js';
import type { Db } from '../ovn/endpoint.js';
import { quote } from '../shell/quote.js';
import { defineFact } from './fact.js';
import { Resource, dbResource } from './resources.js';

export interface DbClusterState {
  /** The database file exists. */
  exists: boolean;
  /** The file's magic says clustered (what `ovsdb-tool db-is-clustered` checks). */
  clustered: boolean;
  /** A standalone file's rows in the tables that hold data (DB_FILES[db].dataTables). */
  dataRows: number;
  /** cluster/status of the running server; null when it is not running or not clustered. */
  status: ClusterStatus | null;
}

const MARK = '--- cluster/status';

/** The state of one database on this master (read-only: ovsdb-tool only reads a file it queries). */
export function ovnDbCluster(db: Db) {
  const { file, name, dataTables } = DB_FILES[db];
  const f = quote(file);
  const query = quote(
    JSON.stringify([name, ...dataTables.map((table) => ({ op: 'select', table, where: [], columns: ['_uuid'] }))]),
  );
  const status = clusterCommand(db, 'status').script;
  // The magic is read by the shell: a rerun of a cluster then starts one process per database
  // (cluster/status), not three (ovsdb-tool db-is-clustered and db-cid were ~40 ms a master).
  const command =
    `if [ -e ${f} ]; then echo exists=1; m=; read -r m < ${f}; case "$m" in "${CLUSTERED_FILE_MAGIC}"*) ` +
    `echo clustered=1;; *) echo clustered=0; ` +
    `echo "rows=$(ovsdb-tool query ${f} ${query} 2>/dev/null | grep -o '"_uuid"' | wc -l)";; esac; ` +
    `else echo exists=0; fi; echo ${quote(MARK)}; ${status} 2>/dev/null; true`;
  return defineFact(`ovn.cluster:${db}`, command, parseDbClusterState, {
    reads: [Resource.files, Resource.processes, dbResource(db)],
    inline: true,
  });
}

export function parseDbClusterState(out: string): DbClusterState {
  const [head, tail = ''] = out.split(MARK);
  const kv = Object.fromEntries(
    head
      .split('\n')
      .map((l) => /^(\w+)=(.*)$/.exec(l.trim()))
      .filter((m) => m !== null)
      .map((m) => [m[1], m[2].trim()]),
  );
  return {
    exists: kv.exists === '1',
    clustered: kv.clustered === '1',
    dataRows: Number(kv.rows ?? 0) || 0,
    status: parseClusterStatus(tail),
  };
}

/**
 * Every member's own answer about `db`, asked from this host over the client ports, all at once (each
 * bounded by the read timeout): `remote<TAB>json` per line, the JSON empty when it did not answer.
 */
export function ovnDbMembers(db: Db, remotes: readonly string[]) {
  const name = DB_FILES[db].name;
  const one = (r: string, i: number) =>
    `{ printf '%s\\t' ${quote(r)}; ${serverDatabaseQuery(r, name).script} 2>/dev/null | tr -d '\\n'; echo; } ` +
    `> "$t.${i}" &`;
  const command =
    `t=$(mktemp) && { ${remotes.map(one).join(' ')} wait; ` +
    `for i in ${remotes.map((_, i) => i).join(' ')}; do cat "$t.$i"; rm -f "$t.$i"; done; rm -f "$t"; }`;
  return defineFact(
    `ovn.cluster-members:${db}:${remotes.join(',')}`,
    command,
    (out): Record<string, ServerDatabase | null> => {
      const answers: Record<string, ServerDatabase | null> = Object.fromEntries(remotes.map((r) => [r, null]));
      for (const line of out.split('\n')) {
        const tab = line.indexOf('\t');
        if (tab > 0 && line.slice(0, tab) in answers)
          answers[line.slice(0, tab)] = parseServerDatabase(line.slice(tab + 1));
      }
      return answers;
    },
    { reads: [dbResource(db), Resource.listeners] },
  );
}

/** What `ovs-appctl -t ovn-northd status` says: `active`, `standby`, `paused`; null = no answer. */
export const northdStatus = defineFact(
  'ovn.northd-status',
  `${appctl(ctlTarget('ovn-northd'), ['status']).script} 2>/dev/null`,
  (out, rc) => (rc === 0 ? (/^Status: (\S+)/m.exec(out)?.[1] ?? null) : null),
  { reads: [Resource.processes, Resource.sb], inline: true },
);
