// OVSDB settings: the NB/SB listening connections and the local Open_vSwitch external_ids.
import * as z from 'zod';
import { ovnDbConnection } from '../facts/ovn.js';
import { ovsExternalIds } from '../facts/ovs.js';
import { ctl } from '../ovn/dbctl.js';
import type { Listener } from '../ovn/output.js';
import { clustered, listeners } from '../ovn/topology.js';
import { Resource, dbResource } from '../facts/resources.js';
import { defineModule, noChange } from './module.js';

export const ovsdbConnection = defineModule({
  name: 'ovsdb_connection',
  args: z.object({ db: z.enum(['nb', 'sb']), port: z.number().int().min(1).max(65535) }).strict(),
  // With 2+ masters the Connection table is the cluster's: read and written through this master's own
  // server as any member (a follower forwards the write to the leader), once for the cluster (run_once).
  facts: ({ db }, { inventory }) => [ovnDbConnection(db, clustered(inventory))],
  // The Connection table, its db file, and what listens.
  writes: ({ db }) => [dbResource(db), Resource.files, Resource.listeners],
  plan({ db, port }, facts, { inventory }) {
    const anyMember = clustered(inventory);
    const current = facts(ovnDbConnection(db, anyMember));
    const want = listeners(inventory, db, port);
    const show = (rows: readonly Listener[]) => rows.map((l) => (l.role ? `${l.target} (role ${l.role})` : l.target));
    if (current && sameListeners(current, want))
      return noChange(`${db.toUpperCase()} listens on ${show(want).join(', ')}`);
    // ovn-sbctl applies a `role=` word to the targets after it (`role=` resets it); the NB has no roles.
    const roles = want.some((w) => w.role !== '');
    const words = (rows: readonly Listener[]) =>
      rows.flatMap((l) => (roles ? [`role=${l.role}`, l.target] : [l.target]));
    const set = (rows: readonly Listener[]) =>
      ctl(db, ['set-connection', ...words(rows)], anyMember ? { leaderOnly: false } : {});
    // A running server keeps a listener's old role when only the role of its target changes: drop the
    // target first, then add it back with the new role.
    const reRole = want.filter((w) => current?.some((c) => c.target === w.target && c.role !== w.role));
    const commands = reRole.length > 0 ? [set(want.filter((w) => !reRole.includes(w)))] : [];
    commands.push(set(want));
    return {
      commands,
      diff: { before: current ? show(current).join(' ') : '(database not reachable)', after: show(want).join(' ') },
      msg: `${db.toUpperCase()} listen on ${show(want).join(', ')}`,
    };
  },
});

function sameListeners(a: readonly Listener[], b: readonly Listener[]): boolean {
  const key = (rows: readonly Listener[]) =>
    rows
      .map((l) => `${l.target} ${l.role}`)
      .sort()
      .join('\n');
  return key(a) === key(b);
}

/** ovs-vsctl reads `key="value"`; quoting keeps colons and commas in values intact. */
export function ovsdbString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export const ovsExternalIdsModule = defineModule({
  name: 'ovs_external_ids',
  args: z
    .object({
      ids: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), z.union([z.string(), z.number()]).transform(String)),
      absent: z.array(z.string()).default([]),
    })
    .strict(),
  facts: () => [ovsExternalIds],
  // The record (conf.db: every fact that reads it reads localOvsdb too), and what a running
  // ovn-controller does about it at once: br-int, tunnel ports and their links, the chassis in SB.
  writes: () => [Resource.localOvsdb, Resource.links, Resource.sb],
  plan({ ids, absent }, facts) {
    const current = facts(ovsExternalIds) ?? {};
    const changed = Object.entries(ids).filter(([k, v]) => current[k] !== v);
    const remove = absent.filter((k) => k in current);
    if (changed.length === 0 && remove.length === 0) return noChange(Object.keys(ids).join(', ') + ' set');
    const commands = [];
    const set = changed.map(([k, v]) => `external_ids:${k}=${ovsdbString(v)}`);
    if (changed.length > 0) commands.push(ctl('vswitch', ['set', 'Open_vSwitch', '.', ...set]));
    if (remove.length > 0) commands.push(ctl('vswitch', ['remove', 'Open_vSwitch', '.', 'external_ids', ...remove]));
    const show = (m: Record<string, string>, keys: string[]) => keys.map((k) => `${k}=${m[k] ?? '(unset)'}`).join('\n');
    const keys = [...changed.map(([k]) => k), ...remove];
    return {
      commands,
      diff: {
        before: show(current, keys),
        after:
          show(
            { ...current, ...Object.fromEntries(changed) },
            changed.map(([k]) => k),
          ) + remove.map((k) => `\n${k}=(unset)`).join(''),
      },
      msg: `set ${keys.join(', ')}`,
    };
  },
});
