// Facts about OVN: where ovn-ctl lives, the NB/SB connections.
import { defineFact } from './fact.js';
import { Resource, dbResource } from './resources.js';

/** ovn-ctl moved from openvswitch's scripts dir (old distributions) to ovn's (current ones). */
export const OVN_CTL_PATHS = ['/usr/share/ovn/scripts/ovn-ctl', '/usr/share/openvswitch/scripts/ovn-ctl'];
export const OVS_CTL_PATHS = ['/usr/share/openvswitch/scripts/ovs-ctl'];

/** The first executable of `paths` (rc 1 when none), without `exit` so it runs inline. */
function firstExecutable(key: string, paths: string[]) {
  return defineFact(
    key,
    `x=; for p in ${paths.join(' ')}; do if [ -x "$p" ]; then x=$p; break; fi; done; [ -n "$x" ] && echo "$x"`,
    (out, rc) => (rc === 0 ? out.trim() : null),
    { reads: [Resource.files], inline: true },
  );
}
export const ovnCtlPath = firstExecutable('ovn.ctl-path', OVN_CTL_PATHS);
export const ovsCtlPath = firstExecutable('ovs.ctl-path', OVS_CTL_PATHS);

/**
 * The targets of an OVN database's Connection table. `ovn-sbctl get-connection` prints
 * `read-write role="" ptcp:6642`; ovn-nbctl prints `ptcp:6641`. null = the DB is not reachable.
 */
export function parseConnectionTargets(out: string): string[] {
  return [...out.matchAll(/\b(p?(?:tcp|ssl|unix):[^\s"]+)/g)].map((m) => m[1]);
}

export function ovnDbConnection(db: 'nb' | 'sb') {
  const tool = db === 'nb' ? 'ovn-nbctl' : 'ovn-sbctl';
  return defineFact(`ovn.connection:${db}`, `${tool} --timeout=5 get-connection`, (out, rc) => (rc === 0 ? parseConnectionTargets(out) : null), {
    reads: [dbResource(db)],
  });
}
