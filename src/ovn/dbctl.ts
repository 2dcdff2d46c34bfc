// Every command line ovnctl sends to an OVSDB client (ovn-nbctl, ovn-sbctl, ovs-vsctl) or to a daemon's
// control socket (ovs-appctl) is built here, so what all of them share - timeouts now, TLS options and
// leader-only reads with several masters - is decided once.
import { raw, sh, type Command, type Raw } from '../shell/command.js';
import type { Db } from './endpoint.js';
import { CLIENT_TLS_OPTIONS, isTlsRemote } from './tls.js';

export type Client = Db | 'vswitch';

const TOOL: Record<Client, string> = { nb: 'ovn-nbctl', sb: 'ovn-sbctl', vswitch: 'ovs-vsctl' };

/** Seconds a client waits for its database: short for reads (facts, checks), longer for changes. */
export const TIMEOUT = { read: 5, write: 10 } as const;

export interface CtlOptions {
  /** An OVSDB remote list (`tcp:10.0.0.10:6642,…`), or a shell word like `"$db"`; absent = the local socket. */
  db?: string | Raw;
  /** Default: TIMEOUT.write. */
  timeout?: number;
  /** --format=json: one JSON table per command. */
  json?: boolean;
  /** --bare: values only, no headings. */
  bare?: boolean;
  columns?: readonly string[];
  /**
   * false: talk to any member of a clustered database (--no-leader-only), e.g. the local socket of a
   * follower; a follower forwards writes to the leader. Default: the leader only (the clients' default).
   */
  leaderOnly?: boolean;
  /**
   * Talk TLS with the host's key and certificate (ovn/tls.ts). Default: when `db` is an `ssl:` remote;
   * set it for a shell word that holds one.
   */
  tls?: boolean;
}

type Word = string | number;

/** The client program of a database: for messages (`ovn-sbctl exited 1`). */
export function toolName(c: Client): string {
  return TOOL[c];
}

/** `ovn-sbctl --db=… --timeout=5 …args`: every argument quoted for POSIX sh. */
export function ctl(c: Client, args: readonly Word[], o: CtlOptions = {}): Command {
  const g: Command[] = [];
  if (o.db !== undefined) g.push(sh`--db=${o.db} `);
  if (o.tls ?? (typeof o.db === 'string' && isTlsRemote(o.db))) g.push(sh`${CLIENT_TLS_OPTIONS} `);
  if (o.leaderOnly === false && c !== 'vswitch') g.push(sh`--no-leader-only `);
  g.push(sh`--timeout=${o.timeout ?? TIMEOUT.write} `);
  if (o.json) g.push(sh`--format=json `);
  if (o.bare) g.push(sh`--bare `);
  if (o.columns) g.push(sh`--columns=${o.columns.join(',')} `);
  return sh`${raw(TOOL[c])} ${join(g)}${args}`;
}

/** A read of the database: the short timeout. */
export function ctlRead(c: Client, args: readonly Word[], o: CtlOptions = {}): Command {
  return ctl(c, args, { timeout: TIMEOUT.read, ...o });
}

/**
 * A read as plain text (the read timeout unless `o` says otherwise): for facts, which run inline in one
 * script, and for the hints in messages, which the user can paste.
 */
export function ctlText(c: Client, args: readonly Word[], o: CtlOptions = {}): string {
  return ctlRead(c, args, o).script;
}

/** Tries of a remote read whose connection attempt failed (remoteReadText). */
export const REMOTE_READ_TRIES = 3;

/**
 * A read of a remote database that many hosts make at once (verify's checks from every node), as text.
 * ovn-nbctl and ovn-sbctl try each remote once; when ovsdb-server's listen queue (its backlog is 10: `ss -ltn`)
 * overflows, the dropped connection fails that one try with "database connection failed ()" (201 lab
 * hosts: 475 false failures of verify; the empty parentheses: no error, the try just ran out). Such a
 * failure is tried again, up to REMOTE_READ_TRIES times, 1.0-1.9 s apart (the tenth from the shell's pid,
 * so hosts spread out); any other outcome, a refused connection included, is the result at once.
 */
export function remoteReadText(c: Client, args: readonly Word[], o: CtlOptions): string {
  return retriedRead(ctlText(c, args, o));
}

/** `script`, one read of a remote database by ovn-nbctl/ovn-sbctl, tried again as remoteReadText says. */
export function retriedRead(script: string): string {
  const once = `_dbo=$(${script} 2>&1); _dbr=$?`;
  const again =
    `[ "$_dbr" -ne 0 ] && [ "$_dbt" -lt ${REMOTE_READ_TRIES} ] && ` +
    `case $_dbo in *'database connection failed ()'*) true ;; *) false ;; esac`;
  const told =
    `if [ "$_dbr" -ne 0 ] && [ "$_dbt" -gt 1 ]; then printf '%s (tried %s times)\\n' "$_dbo" "$_dbt"; ` +
    `else printf '%s\\n' "$_dbo"; fi`;
  const pause = `_dbt=$((_dbt + 1)); sleep "1.$(($$ % 10))"`;
  return `_dbt=1; while ${once}; ${again}; do ${pause}; done; ${told}; (exit "$_dbr")`;
}

/** `ovs-appctl -t <target> …args`: a daemon's control socket (daemons.ts names each one's target). */
export function appctl(target: string | Raw, args: readonly Word[], timeout: number = TIMEOUT.read): Command {
  return sh`ovs-appctl --timeout=${timeout} -t ${target} ${args}`;
}

function join(parts: Command[]): Command {
  return {
    script: parts.map((p) => p.script).join(''),
    display: parts.map((p) => p.display).join(''),
    secrets: parts.flatMap((p) => p.secrets),
  };
}

/**
 * `ovsdb-client --timeout=5 query REMOTE '["_Server", …]'`: a server's own view of a database it serves
 * (cluster id, server id, leader, connected to its cluster), asked over its client port from any host.
 */
export function serverDatabaseQuery(remote: string, schemaName: string, timeout: number = TIMEOUT.read): Command {
  const tls = isTlsRemote(remote) ? sh`${CLIENT_TLS_OPTIONS} ` : sh``;
  const txn = JSON.stringify([
    '_Server',
    {
      op: 'select',
      table: 'Database',
      where: [['name', '==', schemaName]],
      columns: ['cid', 'sid', 'leader', 'connected'],
    },
  ]);
  return sh`ovsdb-client --timeout=${timeout} ${tls}query ${remote} ${txn}`;
}
