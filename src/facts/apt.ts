// Facts about Debian packages and apt sources.
import { quote, quoteAll } from '../shell/quote.js';
import { defineBatchFact, defineFact, type FactBatch } from './fact.js';
import { Resource } from './resources.js';

export interface DebPackage {
  installed: boolean;
  version: string;
  /** Removed but its config files are left ("rc"): only a purge clears it. */
  configFiles?: boolean;
}

/**
 * The shell variables the gather's dpkg-query leaves for the facts after it in the same script (preflight's
 * apt probe reads them instead of starting its own dpkg-query): its output, and the names it asked,
 * space-delimited. A gather is one read-only script, so they cannot go stale within it.
 */
export const DPKG_VARS = { out: 'ovnctl_dpkg', asked: 'ovnctl_dpkg_asked' } as const;

/** One dpkg-query for the packages of every apt task of a gather; each fact reads its own lines. */
const DEB_PACKAGES: FactBatch = {
  id: 'deb-packages',
  reads: [Resource.files],
  command: (names) =>
    `${DPKG_VARS.out}=$(dpkg-query -W -f='\${Package}\\t\${db:Status-Abbrev}\\t\${Version}\\n' ` +
    `${quoteAll(names)} 2>/dev/null); ${DPKG_VARS.asked}=${quote(` ${names.join(' ')} `)}; ` +
    `printf '%s\\n' "$${DPKG_VARS.out}"`,
};

/** dpkg's view of the named packages; an unknown package is "not installed". */
export function debPackages(names: readonly string[]) {
  const sorted = [...names].sort();
  return defineBatchFact(`apt.packages:${sorted.join(',')}`, DEB_PACKAGES, sorted, (out) =>
    parseDpkgQuery(out, sorted),
  );
}

export function parseDpkgQuery(out: string, names: readonly string[]): Record<string, DebPackage> {
  const result: Record<string, DebPackage> = {};
  for (const n of names) result[n] = { installed: false, version: '' };
  for (const line of out.split('\n')) {
    const [name, status, version] = line.split('\t');
    if (!name || !Object.hasOwn(result, name.split(':')[0])) continue;
    // "ii " = installed and configured; "rc" (config files only) counts as absent.
    const installed = status?.startsWith('ii') ?? false;
    result[name.split(':')[0]] = {
      installed,
      version: version ?? '',
      ...(status?.startsWith('rc') ? { configFiles: true } : {}),
    };
  }
  return result;
}

/**
 * Whether apt's lists are current for the configured sources: ovnctl stores a checksum of every
 * sources file after its own `apt-get update`, so a rerun never updates again unless a source changed.
 */
export const APT_STAMP = '/var/lib/ovnctl/apt-sources.sha256';
const APT_SOURCES_CAT =
  'cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null';
export const APT_SOURCES_SUM = `${APT_SOURCES_CAT} | sha256sum | cut -d" " -f1`;

/** The sum (`HASH  -`) and the stamp's line, compared here: two processes, no subshells. */
export const aptListsFresh = defineFact(
  'apt.lists-fresh',
  `${APT_SOURCES_CAT} | sha256sum; s=; read -r s < ${APT_STAMP}; printf '%s\\n' "$s"`,
  (out) => {
    const [sum, stamp] = out.split('\n');
    const now = sum?.split(' ')[0] ?? '';
    return /^[0-9a-f]{64}$/.test(now) && stamp === now;
  },
  { reads: [Resource.files], inline: true },
);

/** Whether `apt-get build-dep` would install anything (dry run). */
export function buildDepSatisfied(pkg: string) {
  return defineFact(
    `apt.build-dep:${pkg}`,
    `apt-get -s build-dep ${quoteAll([pkg])}`,
    (out, rc) => {
      if (rc !== 0) return { ok: false, error: out.trim().split('\n').slice(-3).join(' ') };
      return { ok: /\b0 newly installed\b/.test(out) || !/^Inst /m.test(out), error: '' };
    },
    { reads: [Resource.files] },
  );
}

/**
 * A dpkg run that was cut off (a lost connection, Ctrl-C, a reboot): journal entries in
 * /var/lib/dpkg/updates (apt then refuses: "dpkg was interrupted, you must manually run
 * 'dpkg --configure -a'"), and packages left unpacked, half-configured or waiting for triggers.
 */
export interface DpkgInterrupted {
  journal: number;
  unfinished: string[];
}

/**
 * The fact's script over dpkg's database in `admindir`. The journal entries (all-digit names) are counted
 * by the shell: no ls or grep. With no journal the status file is the whole state, and one awk reads it
 * (dpkg-query parses every package and is the dearest process of a no-op read); with entries, only
 * dpkg-query applies them. Unfinished = dpkg's U, F, W, t, H states.
 */
export function dpkgInterruptedScript(admindir = '/var/lib/dpkg'): string {
  const dir = quote(admindir);
  return (
    `n=0; for f in ${dir}/updates/*; do ` +
    'case "${f##*/}" in *[!0-9]*) ;; *) n=$((n + 1)) ;; esac; done; echo "$n"; ' +
    'if [ "$n" -eq 0 ]; then ' +
    "awk '/^Package: /{p=$2} /^Status: / && " +
    "$4 ~ /^(unpacked|half-configured|triggers-awaited|triggers-pending|half-installed)$/ {print p}' " +
    `${dir}/status; else ` +
    `dpkg-query --admindir=${dir} -W -f='\${db:Status-Abbrev}\\t\${Package}\\n' 2>/dev/null | ` +
    "awk -F'\\t' 'substr($1, 2, 1) ~ /[UFWtH]/ {print $2}'; fi"
  );
}

export const dpkgInterrupted = defineFact(
  'apt.dpkg-interrupted',
  dpkgInterruptedScript(),
  (out): DpkgInterrupted => {
    const [count, ...rest] = out.split('\n');
    return { journal: Number.parseInt(count, 10) || 0, unfinished: rest.map((l) => l.trim()).filter(Boolean) };
  },
  { reads: [Resource.files], inline: true },
);

export const needsDpkgConfigure = (d: DpkgInterrupted): boolean => d.journal > 0 || d.unfinished.length > 0;
