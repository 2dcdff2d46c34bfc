// The one apt probe every package check of a host reads (one key, so one read per host): the packages
// the run would install there (ModuleContext.installs, from the playbook's apt tasks), the source the
// run adds (as apt_repository would write it) and, for dkms, the running kernel's headers.
import { debPackages } from '../../facts/apt.js';
import type { Fact } from '../../facts/fact.js';
import { aptProbe, CODENAME, type AptProbe, type RunSource } from '../../facts/preflight-apt.js';
import type { Inventory } from '../../inventory/types.js';
import { repositoryFor } from '../apt.js';
import type { ModuleContext, Plan } from '../module.js';

/** The source apt_repository writes for this inventory, its suite left as CODENAME; null for distro. */
export function runSource(inv: Inventory): RunSource | null {
  const repo = repositoryFor(inv.packages.source, CODENAME);
  return repo && { line: repo.line, file: `ovnctl-${repo.name}.list` };
}

export const probeOf = (ctx: ModuleContext) =>
  aptProbe(ctx.installs ?? [], runSource(ctx.inventory), ctx.inventory.packages.datapath === 'dkms');

/**
 * The facts of a check that reads the probe: dpkg's view of the packages first, so that the gather's one
 * dpkg-query runs before the probe, which then reads its output instead of starting another.
 */
export const probeFacts = (ctx: ModuleContext): Fact<unknown>[] => [
  debPackages([...(ctx.installs ?? [])]),
  probeOf(ctx),
];

/** Every package the run installs is installed: the install changes no package, so nothing was read. */
export function skippedPlan(probe: AptProbe): Plan | null {
  return probe.skipped ? { commands: [], skip: 'every package the run installs is installed already' } : null;
}

/** How the messages name the sources the run would use. */
export function sourcesText(inv: Inventory, codename: string): string {
  const own = runSource(inv);
  if (!own) return "the host's own apt sources (packages.source: distro)";
  return `the host's apt sources and ${own.line.trim().replace(CODENAME, codename)}`;
}
