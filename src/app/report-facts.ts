// What `ovnctl report` reads from each host in one gather: packages (versions), daemons, ovnkube's
// processes, the OVS layout (br-int's tunnel ports); on masters the SB chassis and, with 2+ masters,
// each database's RAFT status and ovn-northd's. Existing facts only, but for the SB chassis list.
import { debPackages } from '../facts/apt.js';
import type { Fact } from '../facts/fact.js';
import { ovsLayout } from '../facts/net-ovs.js';
import { sbChassisList } from '../facts/ovn-chassis.js';
import { northdStatus, ovnDbCluster } from '../facts/ovn-cluster.js';
import { daemonsRunning, processesOf } from '../facts/process.js';
import type { Host, Inventory } from '../inventory/types.js';
import { DBS } from '../ovn/central-options.js';
import { DAEMON_NAMES } from '../ovn/daemons.js';
import { OVN_PACKAGES } from '../ovn/packages.js';
import { clustered } from '../ovn/topology.js';
import type { HostFacts } from '../report-html/data.js';

export function factsFor(h: Host, inv: Inventory): Fact<unknown>[] {
  const facts: Fact<unknown>[] = [debPackages(OVN_PACKAGES), daemonsRunning(DAEMON_NAMES), ovsLayout];
  if (inv.ovnkube.enabled) facts.push(processesOf(inv.ovnkube.binary));
  if (h.roles.includes('master')) {
    facts.push(sbChassisList);
    if (clustered(inv)) facts.push(...DBS.map(ovnDbCluster), northdStatus);
  }
  return facts;
}

/** The gathered values (fact key → parsed value) as HostFacts. */
export function hostFacts(h: Host, inv: Inventory, v: Map<string, unknown>): HostFacts {
  const get = <T>(f: Fact<T>) => v.get(f.key) as T;
  const f: HostFacts = {
    packages: get(debPackages(OVN_PACKAGES)),
    daemons: get(daemonsRunning(DAEMON_NAMES)),
    ovnkube: inv.ovnkube.enabled ? get(processesOf(inv.ovnkube.binary)) : null,
    layout: get(ovsLayout),
  };
  if (h.roles.includes('master')) {
    f.sbChassis = get(sbChassisList);
    if (clustered(inv)) {
      f.cluster = Object.fromEntries(DBS.map((db) => [db, get(ovnDbCluster(db))]));
      f.northd = get(northdStatus);
    }
  }
  return f;
}
