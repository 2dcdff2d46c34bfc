// Facts about Open vSwitch: the local Open_vSwitch record and bridges.
import { TaskFailure } from '../errors.js';
import { ctlText, TIMEOUT } from '../ovn/dbctl.js';
import { defineBatchFact, type FactBatch } from './fact.js';
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

/**
 * The local Open_vSwitch database as the facts of a rerun read it, in ONE ovs-vsctl (a client that
 * connects and reads the schema and tables is the costliest process of a node's read, ~20 ms on the lab):
 * the record's external_ids (one line, a map), its SSL row (`get-ssl`: 4 labelled lines, none without a
 * row) and the bridges (`list-br`: one name a line). Whichever facts of the batch a gather asks for, the
 * command reads all three; each fact picks its part (localRecordParts). The three fail together: every
 * fact is null when ovsdb-server does not answer, or before `ovs-vsctl init` made the record.
 */
export const localRecord: FactBatch = {
  id: 'ovs.local-record',
  reads: [Resource.localOvsdb],
  command: () => ctlText('vswitch', ['get', 'Open_vSwitch', '.', 'external_ids', '--', 'get-ssl', '--', 'list-br']),
};

/** ovs-vsctl's own --timeout ends it with SIGALRM: the shell reports 128 + 14. */
const TIMED_OUT = 142;

/**
 * The batch's output in its three parts (get-ssl prints its 4 lines only when there is a row); null when
 * ovs-vsctl could not reach ovsdb-server (not installed or not running yet: a first install's prefetch).
 * A server that did not answer in time is a failure, not an empty record: at 201 lab hosts a rerun read
 * a busy node's record as empty and wrote the same external_ids again, reporting a change.
 */
export function localRecordParts(
  out: string,
  rc: number,
): { externalIds: string; ssl: string[]; bridges: string[] } | null {
  if (rc === TIMED_OUT)
    throw new TaskFailure(
      `ovs-vsctl did not answer within ${TIMEOUT.read} s (its --timeout): the local ovsdb-server is busy or ` +
        'hung, so what the Open_vSwitch record holds is not known',
    );
  if (rc !== 0) return null;
  const [first = '', ...rest] = out.split('\n');
  const sslLines = rest[0]?.startsWith('Private key: ') ? 4 : 0;
  return {
    externalIds: first,
    ssl: rest.slice(0, sslLines),
    bridges: rest
      .slice(sslLines)
      .map((l) => l.trim())
      .filter(Boolean),
  };
}

/** Open_vSwitch external_ids; null when ovsdb-server is not reachable (OVS not installed or stopped). */
export const ovsExternalIds = defineBatchFact('ovs.external-ids', localRecord, ['external_ids'], (out, rc) => {
  const parts = localRecordParts(out, rc);
  return parts && parseOvsdbMap(parts.externalIds);
});

/** The bridges (`list-br`); null when ovsdb-server is not reachable. */
export const ovsBridges = defineBatchFact(
  'ovs.bridges',
  localRecord,
  ['bridges'],
  (out, rc) => localRecordParts(out, rc)?.bridges ?? null,
);
