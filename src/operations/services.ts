// OVS/OVN daemons: through systemd when it is PID 1, else the packages' own ovs-ctl/ovn-ctl scripts
// (containers, the lab). Their state is read from pidfiles, which both ways write.
import * as z from 'zod';
import { ovnCtlPath, ovsCtlPath } from '../facts/ovn.js';
import { systemdRunning } from '../facts/os.js';
import { daemonsRunning } from '../facts/process.js';
import {
  CTL_SCRIPT_PATHS,
  SERVICE_NAMES,
  SERVICES,
  daemonsOf,
  type Service,
  type ServiceName,
} from '../ovn/daemons.js';
import { raw, sh, type Command } from '../shell/command.js';
import { defineModule, noChange } from './module.js';

export function serviceCommand(
  spec: Service,
  action: 'start' | 'stop',
  systemd: boolean,
  ctlPath: string | null,
): Command {
  if (systemd)
    return action === 'start' ? sh`systemctl enable --now ${spec.unit}` : sh`systemctl disable --now ${spec.unit}`;
  const path = ctlPath ?? CTL_SCRIPT_PATHS[spec.ctl][0];
  // ovs-ctl would otherwise reset external_ids:system-id; ovnctl sets it (and system-id.conf) itself.
  return sh`${path} ${raw(action === 'start' ? spec.start : spec.stop)}`;
}

export const service = defineModule({
  name: 'service',
  args: z
    .object({
      name: z.enum(SERVICE_NAMES as [ServiceName, ...ServiceName[]]),
      state: z.enum(['started', 'stopped']).default('started'),
    })
    .strict(),
  facts: ({ name }) => [
    systemdRunning,
    daemonsRunning(daemonsOf(name)),
    SERVICES[name].ctl === 'ovs' ? ovsCtlPath : ovnCtlPath,
  ],
  plan({ name, state }, facts) {
    const spec = SERVICES[name];
    const daemons = daemonsOf(name);
    const alive = facts(daemonsRunning(daemons));
    const up = daemons.filter((d) => alive[d]);
    const systemd = facts(systemdRunning);
    const ctl = facts(spec.ctl === 'ovs' ? ovsCtlPath : ovnCtlPath);
    if (state === 'started') {
      if (up.length === daemons.length) return noChange(`${daemons.join(', ')} running`);
      const down = daemons.filter((d) => !alive[d]);
      return {
        commands: [serviceCommand(spec, 'start', systemd, ctl)],
        msg: `start ${name} (${down.join(', ')} not running)`,
      };
    }
    if (up.length === 0) return noChange(`${name} stopped`);
    return { commands: [serviceCommand(spec, 'stop', systemd, ctl)], msg: `stop ${name}` };
  },
});
