// preflight: checks a host can be provisioned before anything on it changes, and says how to fix it.
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import { fileState } from '../facts/files.js';
import { linkMtus } from '../facts/mtu.js';
import { osRelease, pipExternallyManaged, which } from '../facts/os.js';
import type { Fact } from '../facts/fact.js';
import type { Host, Inventory } from '../inventory/types.js';
import { defineModule, noChange } from './module.js';
import { runsNodeHalf } from './ovnkube-flags.js';

/** The gateway interface this host's ovnkube is given (-gateway-interface), if any. */
function gatewayInterface(host: Host, inv: Inventory): string | undefined {
  const name = inv.ovnkube.gateway?.interface;
  return inv.ovnkube.enabled && inv.ovnkube.initGateways && runsNodeHalf(host, inv) ? name : undefined;
}

/** wand builds for Ubuntu only: on any other OS no suite of it can serve the host (no need to ask it). */
export const wandServes = (os: { id: string; idLike: readonly string[] }): boolean =>
  os.id === 'ubuntu' || os.idLike.includes('ubuntu');

/**
 * `for`: the playbook it guards. install checks everything; gre-mesh runs no ovnkube, so its binary and
 * gateway are not checked; uninstall only needs a Debian or Ubuntu host with apt (the purge).
 */
const For = z.enum(['install', 'gre-mesh', 'uninstall']).default('install');

export const preflight = defineModule({
  name: 'preflight',
  args: z.object({ for: For }).strict(),
  facts: (a, { host, inventory: inv }) => {
    const f: Fact<unknown>[] = [osRelease, which('apt-get')];
    if (a.for === 'uninstall') return f;
    if (inv.packages.ovsPython === 'pip') f.push(pipExternallyManaged);
    if (a.for !== 'install') return f;
    if (inv.ovnkube.enabled && !inv.ovnkube.upload) f.push(fileState(inv.ovnkube.binary));
    if (gatewayInterface(host, inv) !== undefined) f.push(linkMtus);
    return f;
  },
  plan(a, facts, { host, inventory: inv }) {
    const os = facts(osRelease);
    const problems: string[] = [];
    const verdict = () => {
      if (problems.length > 0) throw new TaskFailure(problems.join('; '));
      return noChange(`${os.id} ${os.codename}`);
    };
    if (!facts(which('apt-get')))
      problems.push(`${host.name} has no apt-get: ovnctl provisions Debian and Ubuntu hosts (found ${os.id})`);
    if (a.for === 'uninstall') return verdict();
    if (!os.codename) problems.push(`cannot tell ${host.name}'s release codename from /etc/os-release`);
    if (inv.packages.source.kind === 'wand' && !wandServes(os)) {
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
    if (a.for !== 'install') return verdict();
    if (inv.ovnkube.enabled && !inv.ovnkube.upload && !facts(fileState(inv.ovnkube.binary)).exists) {
      problems.push(
        `ovnkube binary ${inv.ovnkube.binary} not found on ${host.name}: ` +
          'set ovnkube.upload to a local build, install it there, or set ovnkube.enabled: false',
      );
    }
    const gateway = gatewayInterface(host, inv);
    if (gateway !== undefined) {
      const links = facts(linkMtus);
      if (links && !links.some((l) => l.name === gateway)) {
        const names = links.map((l) => l.name).join(', ') || 'none';
        problems.push(
          `ovnkube.gateway.interface ${gateway} does not exist on ${host.name} (its interfaces: ${names}): ` +
            "set ovnkube.gateway.interface to one of them, or leave it out for the default route's",
        );
      } else if (!links) {
        problems.push(`cannot list ${host.name}'s interfaces (ip -o link show failed) to find ${gateway}`);
      }
    }
    return verdict();
  },
});
