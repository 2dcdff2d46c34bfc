// Preflight, ovs.datapathType: system with packages.datapath: kernel: the running kernel has the
// openvswitch module (loaded, or installed for it), or ovs-vswitchd cannot create its datapath and OVS
// fails when it starts. The lab's kernel has none.
import * as z from 'zod';
import { ovsKernelModule, type KernelModule } from '../../facts/preflight-host.js';
import { defineModule } from '../module.js';
import { fail, pass, verdictPlan, type Verdict } from './verdict.js';

export function kernelModuleVerdicts(host: string, m: KernelModule): Verdict[] {
  if (m.loaded) return [pass(`openvswitch module loaded (kernel ${m.kernel})`)];
  if (m.file === '(builtin)') return [pass(`openvswitch built into kernel ${m.kernel}`)];
  if (m.file) return [pass(`openvswitch module ${m.file}`)];
  const where = m.modulesDir ? `not in /lib/modules/${m.kernel}` : `and the host has no /lib/modules/${m.kernel}`;
  return [
    fail(
      `kernel ${m.kernel} of ${host} has no openvswitch module (not loaded, ${where})`,
      "install the running kernel's modules (Debian: linux-image-" +
        `${m.kernel}; Ubuntu: linux-modules-${m.kernel}), or set ovs.datapathType: netdev (OVS's userspace datapath)`,
    ),
  ];
}

export const preflightKernelModule = defineModule({
  name: 'preflight_kernel_module',
  args: z.object({}).strict(),
  facts: () => [ovsKernelModule],
  plan(_a, facts, { host, inventory: inv }) {
    // dkms builds the module during the install; its own check (preflight_apt_dkms) covers that case.
    if (inv.ovs.datapathType !== 'system' || inv.packages.datapath !== 'kernel')
      return { commands: [], skip: 'needs ovs.datapathType: system with packages.datapath: kernel' };
    return verdictPlan(kernelModuleVerdicts(host.name, facts(ovsKernelModule)));
  },
});
