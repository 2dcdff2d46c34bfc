// Facts about Debian packages and apt sources.
import { quoteAll } from '../shell/quote.js';
import { defineFact } from './fact.js';

export interface DebPackage {
  installed: boolean;
  version: string;
}

/** dpkg's view of the named packages; an unknown package is "not installed". */
export function debPackages(names: readonly string[]) {
  const sorted = [...names].sort();
  return defineFact(
    `apt.packages:${sorted.join(',')}`,
    `dpkg-query -W -f='\${Package}\\t\${db:Status-Abbrev}\\t\${Version}\\n' ${quoteAll(sorted)}`,
    (out) => parseDpkgQuery(out, sorted),
  );
}

export function parseDpkgQuery(out: string, names: readonly string[]): Record<string, DebPackage> {
  const result: Record<string, DebPackage> = {};
  for (const n of names) result[n] = { installed: false, version: '' };
  for (const line of out.split('\n')) {
    const [name, status, version] = line.split('\t');
    if (!name || !(name.split(':')[0] in result)) continue;
    // "ii " = installed and configured; "rc" (config files only) counts as absent.
    result[name.split(':')[0]] = { installed: status?.startsWith('ii') ?? false, version: version ?? '' };
  }
  return result;
}

/**
 * Whether apt's lists are current for the configured sources: ovnctl stores a checksum of every
 * sources file after its own `apt-get update`, so a rerun never updates again unless a source changed.
 */
export const APT_STAMP = '/var/lib/ovnctl/apt-sources.sha256';
export const APT_SOURCES_SUM =
  'cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null | sha256sum | cut -d" " -f1';

export const aptListsFresh = defineFact(
  'apt.lists-fresh',
  `now=$(${APT_SOURCES_SUM}); test "$(cat ${APT_STAMP} 2>/dev/null)" = "$now"`,
  (_out, rc) => rc === 0,
);

/** Whether `apt-get build-dep` would install anything (dry run). */
export function buildDepSatisfied(pkg: string) {
  return defineFact(`apt.build-dep:${pkg}`, `apt-get -s build-dep ${quoteAll([pkg])}`, (out, rc) => {
    if (rc !== 0) return { ok: false, error: out.trim().split('\n').slice(-3).join(' ') };
    return { ok: /\b0 newly installed\b/.test(out) || !/^Inst /m.test(out), error: '' };
  });
}
