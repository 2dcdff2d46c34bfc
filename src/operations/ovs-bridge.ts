// ovs_bridge: an OVS bridge exists with the wanted datapath type (netdev = the userspace datapath).
import * as z from 'zod';
import { findBridge, ovsLayout } from '../facts/net-ovs.js';
import { ctl } from '../ovn/dbctl.js';
import { defineModule, noChange } from './module.js';

export const IfName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, { error: 'must be an interface name (at most 15 of a-z, 0-9, _ . -)' });
export const DatapathType = z.enum(['system', 'netdev']);

/** OVSDB leaves datapath_type empty for the default, the kernel datapath. */
export const datapathOf = (column: string): string => column || 'system';

export const ovsBridge = defineModule({
  name: 'ovs_bridge',
  args: z.object({ name: IfName, datapathType: DatapathType.default('system') }).strict(),
  facts: () => [ovsLayout],
  plan({ name, datapathType }, facts) {
    // No OVSDB yet (e.g. --check before Open vSwitch is installed): plan the bridge as if absent.
    const layout = facts(ovsLayout);
    const bridge = layout ? findBridge(layout, name) : undefined;
    if (!bridge) {
      const set = datapathType === 'netdev' ? ['--', 'set', 'bridge', name, 'datapath_type=netdev'] : [];
      const add = ctl('vswitch', ['--may-exist', 'add-br', name, ...set]);
      return { commands: [add], msg: `add bridge ${name} (${datapathType} datapath)` };
    }
    const current = datapathOf(bridge.datapathType);
    if (current === datapathType) return noChange(`bridge ${name} (${current} datapath)`);
    return {
      commands: [ctl('vswitch', ['set', 'bridge', name, `datapath_type=${datapathType}`])],
      diff: { before: `${name} datapath_type=${current}`, after: `${name} datapath_type=${datapathType}` },
      msg: `switch bridge ${name} from the ${current} to the ${datapathType} datapath`,
    };
  },
});
