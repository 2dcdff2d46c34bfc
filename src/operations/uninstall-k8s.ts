// ovs_k8s_config_absent: what ovnkube -init-node wrote into the local Open_vSwitch row
// (`setupOVNNode` in go-controller's pkg/cluster: k8s-api-server, k8s-api-token, k8s-ca-certificate), so
// the Kubernetes token is nowhere on the host after uninstall. Removing the key is not enough:
// ovsdb-server appends every transaction to conf.db (with the ovs-vsctl command line as a comment) and
// keeps them until it compacts the file, so the module compacts it whenever the file still mentions a
// key: through ovsdb-server when it runs, with ovsdb-tool when Open vSwitch is stopped. A rerun finds
// neither the keys nor a trace of them in the file and changes nothing.
import * as z from 'zod';
import { Resource } from '../facts/resources.js';
import { ovsExternalIds } from '../facts/ovs.js';
import { confDbMentions, OVS_CONF_DB, ovsConfOffline } from '../facts/uninstall.js';
import { appctl, ctl, TIMEOUT } from '../ovn/dbctl.js';
import { ctlTarget } from '../ovn/daemons.js';
import { raw, sh, type Command } from '../shell/command.js';
import { defineModule, noChange, type Plan } from './module.js';

/** The external_ids ovnkube writes on a node: the API server, the token, the CA certificate. */
export const K8S_EXTERNAL_IDS = ['k8s-api-server', 'k8s-api-token', 'k8s-ca-certificate'] as const;

/** grep's -e list of the keys (fixed strings; no value is ever printed). */
const KEYS_GREP = raw(K8S_EXTERNAL_IDS.map((k) => `-e ${k}`).join(' '));

/**
 * ovsdb-server/compact, then a bounded wait until the file no longer mentions a key (a compaction
 * writes a new file beside the old one and renames it over), so the step fails if the token stayed.
 */
export function compactOnline(): Command {
  const compact = appctl(ctlTarget('ovsdb-server'), ['ovsdb-server/compact'], TIMEOUT.write);
  return sh`${compact} && i=0 && while grep -qF ${KEYS_GREP} ${OVS_CONF_DB}; do
  i=$((i+1)); [ $i -le 50 ] || \
    { echo "${OVS_CONF_DB} still mentions a k8s-api key after ovsdb-server/compact" >&2; exit 1; }
  sleep 0.1
done`;
}

export const ovsK8sConfigAbsent = defineModule({
  name: 'ovs_k8s_config_absent',
  args: z.object({}).strict(),
  facts: () => [ovsExternalIds, ovsConfOffline, confDbMentions(K8S_EXTERNAL_IDS)],
  writes: () => [Resource.localOvsdb, Resource.files],
  plan(_a, facts): Plan {
    const ids = facts(ovsExternalIds);
    const mentioned = facts(confDbMentions(K8S_EXTERNAL_IDS));
    if (ids !== null) {
      const keys = K8S_EXTERNAL_IDS.filter((k) => k in ids);
      const commands: Command[] = [];
      if (keys.length > 0) commands.push(ctl('vswitch', ['remove', 'Open_vSwitch', '.', 'external_ids', ...keys]));
      if (keys.length > 0 || mentioned) commands.push(compactOnline());
      if (commands.length === 0)
        return noChange(`no ${K8S_EXTERNAL_IDS.join(', ')} in Open vSwitch, nor in ${OVS_CONF_DB}`);
      return { commands, msg: describe(keys, 'compact it through ovsdb-server') };
    }
    const off = facts(ovsConfOffline);
    if (!off.exists) return noChange(`no ${OVS_CONF_DB}`);
    const keys = K8S_EXTERNAL_IDS.filter((k) => k in off.externalIds);
    if (keys.length === 0 && !mentioned)
      return noChange(`no ${K8S_EXTERNAL_IDS.join(', ')} in ${OVS_CONF_DB} (read offline: Open vSwitch is stopped)`);
    const commands: Command[] = [];
    if (keys.length > 0) {
      const txn = JSON.stringify([
        'Open_vSwitch',
        {
          op: 'mutate',
          table: 'Open_vSwitch',
          where: [],
          mutations: [['external_ids', 'delete', ['set', keys]]],
        },
      ]);
      commands.push(sh`ovsdb-tool transact ${OVS_CONF_DB} ${txn}`);
    }
    commands.push(sh`ovsdb-tool compact ${OVS_CONF_DB}`);
    return { commands, msg: `${describe(keys, 'compact it with ovsdb-tool')} (offline: Open vSwitch is stopped)` };
  },
});

function describe(keys: readonly string[], compact: string): string {
  const removed = keys.length > 0 ? `remove external_ids ${keys.join(' ')}; ` : '';
  return `${removed}drop their old transactions from ${OVS_CONF_DB}: ${compact}`;
}
