// preflight: checks a host can be provisioned before anything on it changes, and says how to fix it.
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import { fileState } from '../facts/files.js';
import { osRelease, pipExternallyManaged, which } from '../facts/os.js';
import type { Fact } from '../facts/fact.js';
import { defineModule, noChange } from './module.js';

export const preflight = defineModule({
  name: 'preflight',
  args: z.object({}).strict(),
  facts: (_a, { inventory: inv }) => {
    const f: Fact<unknown>[] = [osRelease, which('apt-get')];
    if (inv.packages.ovsPython === 'pip') f.push(pipExternallyManaged);
    if (inv.ovnkube.enabled && !inv.ovnkube.upload) f.push(fileState(inv.ovnkube.binary));
    return f;
  },
  plan(_a, facts, { host, inventory: inv }) {
    const os = facts(osRelease);
    const problems: string[] = [];
    if (!facts(which('apt-get')))
      problems.push(`${host.name} has no apt-get: ovnctl provisions Debian and Ubuntu hosts (found ${os.id})`);
    if (!os.codename) problems.push(`cannot tell ${host.name}'s release codename from /etc/os-release`);
    const ubuntu = os.id === 'ubuntu' || os.idLike.includes('ubuntu');
    if (inv.packages.source.kind === 'wand' && !ubuntu) {
      problems.push(
        `the wand repository carries Ubuntu suites only, and ${host.name} runs ${os.id} ${os.codename}: ` +
          `set packages.source: distro (the distribution ships openvswitch and ovn) or a mirror {url, key, suite}`,
      );
    }
    if (inv.packages.ovsPython === 'pip' && facts(pipExternallyManaged)) {
      problems.push(
        `pip refuses system-wide installs on ${host.name} (PEP 668, externally managed Python): ` +
          'set packages.ovsPython: apt (python3-openvswitch)',
      );
    }
    if (inv.ovnkube.enabled && !inv.ovnkube.upload && !facts(fileState(inv.ovnkube.binary)).exists) {
      problems.push(
        `ovnkube binary ${inv.ovnkube.binary} not found on ${host.name}: ` +
          'set ovnkube.upload to a local build, install it there, or set ovnkube.enabled: false',
      );
    }
    if (problems.length > 0) throw new TaskFailure(problems.join('; '));
    return noChange(`${os.id} ${os.codename}`);
  },
});
