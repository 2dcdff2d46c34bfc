// Preflight: enough free space for the packages where they land: apt's download cache, dpkg's database,
// the OVN databases and logs in /var; conffiles in /etc; programs and libraries in /usr. Directories on one
// filesystem share its space, so each filesystem must hold the sum of what lands on it. Only while a
// package is still to install: a rerun with everything installed needs nothing more.
import * as z from 'zod';
import { debPackages } from '../../facts/apt.js';
import { diskSpace, type DiskSpace } from '../../facts/preflight-host.js';
import { defineModule } from '../module.js';
import { fail, pass, verdictPlan, type Verdict } from './verdict.js';

/**
 * KiB each directory needs. Measured: `du -sk` of what an install added to a Debian 12 lab host (the overlay's
 * upper directory: a master with ovn-central, ovn-host, OVS and python3-openvswitch): /var 16.5 MB (14.6 MB of
 * .debs in /var/cache/apt/archives, 0.7 MB dpkg, the rest logs and databases), /etc 0.3 MB, /usr 53.4 MB.
 * Each is rounded up for what the lab does not show: a real mirror's package lists, which `apt-get update`
 * rewrites in /var/lib/apt/lists (19 MB for bookworm, -updates and -security main on a Debian 12 machine,
 * held twice while apt replaces them), dependencies a minimal host lacks and other distributions' builds
 * (/usr about 3x), and the first days of OVN logs and database growth.
 */
export const DISK_NEED_KB: Readonly<Record<string, number>> = {
  '/var': 128 * 1024,
  '/etc': 8 * 1024,
  '/usr': 160 * 1024,
};

export const DISK_PATHS = Object.keys(DISK_NEED_KB);

const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;

export function diskVerdicts(host: string, space: readonly DiskSpace[], missing: readonly string[]): Verdict[] {
  if (space.length === 0) return [pass(`free space not checked: df could not read ${DISK_PATHS.join(', ')}`)];
  const mounts = new Map<string, { availableKb: number; needKb: number; paths: string[] }>();
  for (const s of space) {
    const m = mounts.get(s.mount) ?? { availableKb: s.availableKb, needKb: 0, paths: [] };
    m.needKb += DISK_NEED_KB[s.path] ?? 0;
    m.paths.push(s.path);
    mounts.set(s.mount, m);
  }
  const summary = [...mounts].map(([mount, m]) => `${mb(m.availableKb)} free on ${mount}`).join(', ');
  if (missing.length === 0) return [pass(`packages installed; ${summary}`)];
  const out: Verdict[] = [];
  for (const [mount, m] of mounts) {
    if (m.availableKb >= m.needKb) continue;
    const parts = m.paths.map((p) => `${p} ${mb(DISK_NEED_KB[p] ?? 0)}`).join(', ');
    out.push(
      fail(
        `${mount} on ${host} has ${mb(m.availableKb)} free; installing ${missing.join(', ')} needs about ` +
          `${mb(m.needKb)} there (${parts})`,
        `free space on ${mount} (apt-get clean, journalctl --vacuum-size=100M, old kernels) or grow it`,
      ),
    );
  }
  return out.length ? out : [pass(summary)];
}

export const preflightDisk = defineModule({
  name: 'preflight_disk',
  args: z.object({}).strict(),
  // What the run installs comes from its playbook's apt tasks (ctx.installs), as for the package checks.
  facts: (_a, { installs = [] }) => [diskSpace(DISK_PATHS), debPackages([...installs])],
  plan(_a, facts, { host, installs = [] }) {
    const installed = facts(debPackages([...installs]));
    const missing = installs.filter((p) => !installed[p]?.installed);
    return verdictPlan(diskVerdicts(host.name, facts(diskSpace(DISK_PATHS)), missing));
  },
});
