// Facts about OVN: where ovn-ctl lives, the NB/SB connections.
import { ctlText } from '../ovn/dbctl.js';
import { CTL_SCRIPT_PATHS } from '../ovn/daemons.js';
import type { Db } from '../ovn/endpoint.js';
import { parseConnections } from '../ovn/output.js';
import { defineFact } from './fact.js';
import { Resource, dbResource } from './resources.js';

/** The first executable of `paths` (rc 1 when none), without `exit` so it runs inline. */
function firstExecutable(key: string, paths: readonly string[]) {
  return defineFact(
    key,
    `x=; for p in ${paths.join(' ')}; do if [ -x "$p" ]; then x=$p; break; fi; done; [ -n "$x" ] && echo "$x"`,
    (out, rc) => (rc === 0 ? out.trim() : null),
    { reads: [Resource.files], inline: true },
  );
}
export const ovnCtlPath = firstExecutable('ovn.ctl-path', CTL_SCRIPT_PATHS.ovn);
export const ovsCtlPath = firstExecutable('ovs.ctl-path', CTL_SCRIPT_PATHS.ovs);

/**
 * The rows of a database's Connection table (target, RBAC role), asked on its local socket; null = it
 * does not answer.
 * anyMember: the local server even when it is a RAFT follower (a read from any member is enough).
 */
export function ovnDbConnection(db: Db, anyMember = false) {
  return defineFact(
    `ovn.connection:${db}${anyMember ? ':any-member' : ''}`,
    ctlText(db, ['get-connection'], { leaderOnly: !anyMember }),
    (out, rc) => (rc === 0 ? parseConnections(out) : null),
    { reads: [dbResource(db)] },
  );
}
