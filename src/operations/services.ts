// OVS/OVN daemons: through systemd when it is PID 1, else the packages' own ovs-ctl/ovn-ctl scripts
// (containers, the lab). Their state is read from pidfiles, which both ways write.
import * as z from 'zod';
import { OVN_CTL_PATHS, OVS_CTL_PATHS, ovnCtlPath, ovsCtlPath } from '../facts/ovn.js';
import { systemdRunning } from '../facts/os.js';
import { daemonsRunning } from '../facts/process.js';
import { raw, sh, type Command } from '../shell/command.js';
import { defineModule, noChange } from './module.js';

export interface ServiceSpec {
  unit: string;
  daemons: string[];
  ctl: 'ovs' | 'ovn';
  start: string;
  stop: string;
}

export const SERVICES: Record<string, ServiceSpec> = {
  openvswitch: { unit: 'openvswitch-switch', daemons: ['ovsdb-server', 'ovs-vswitchd'], ctl: 'ovs', start: 'start', stop: 'stop' },
  'ovn-central': { unit: 'ovn-central', daemons: ['ovnnb_db', 'ovnsb_db', 'ovn-northd'], ctl: 'ovn', start: 'start_northd', stop: 'stop_northd' },
  'ovn-controller': { unit: 'ovn-host', daemons: ['ovn-controller'], ctl: 'ovn', start: 'start_controller', stop: 'stop_controller' },
};

export function serviceCommand(spec: ServiceSpec, action: 'start' | 'stop', systemd: boolean, ctlPath: string | null): Command {
  if (systemd) return action === 'start' ? sh`systemctl enable --now ${spec.unit}` : sh`systemctl disable --now ${spec.unit}`;
  const path = ctlPath ?? (spec.ctl === 'ovs' ? OVS_CTL_PATHS[0] : OVN_CTL_PATHS[0]);
  // ovs-ctl would otherwise reset external_ids:system-id; ovnctl sets it (and system-id.conf) itself.
  return sh`${path} ${raw(action === 'start' ? spec.start : spec.stop)}`;
}

export const service = defineModule({
  name: 'service',
  args: z.object({ name: z.enum(Object.keys(SERVICES) as [string, ...string[]]), state: z.enum(['started', 'stopped']).default('started') }).strict(),
  facts: ({ name }) => [systemdRunning, daemonsRunning(SERVICES[name].daemons), SERVICES[name].ctl === 'ovs' ? ovsCtlPath : ovnCtlPath],
  plan({ name, state }, facts) {
    const spec = SERVICES[name];
    const alive = facts(daemonsRunning(spec.daemons));
    const up = spec.daemons.filter((d) => alive[d]);
    const systemd = facts(systemdRunning);
    const ctl = facts(spec.ctl === 'ovs' ? ovsCtlPath : ovnCtlPath);
    if (state === 'started') {
      if (up.length === spec.daemons.length) return noChange(`${spec.daemons.join(', ')} running`);
      const down = spec.daemons.filter((d) => !alive[d]);
      return { commands: [serviceCommand(spec, 'start', systemd, ctl)], msg: `start ${name} (${down.join(', ')} not running)` };
    }
    if (up.length === 0) return noChange(`${name} stopped`);
    return { commands: [serviceCommand(spec, 'stop', systemd, ctl)], msg: `stop ${name}` };
  },
});
