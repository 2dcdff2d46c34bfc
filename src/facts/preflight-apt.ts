// Preflight's reads of apt (src/operations/preflight/apt-*.ts): what the packages the run would install
// look like in the sources the run would use, found with apt-get/apt-cache in a throwaway directory
// (own sources list, lists and cache; the host's dpkg status) so the host's apt state is not touched.
// Run on every install, so the common case is cheap: when every package is installed already, the
// script says so and stops there (no apt-get update, and the checks read no Release file).
import { quote, quoteAll } from '../shell/quote.js';
import { DPKG_VARS } from './apt.js';
import { defineFact } from './fact.js';
import { Resource } from './resources.js';

/** Stands for the host's codename in a source line or URL; the script puts the host's in its place. */
export const CODENAME = '@CODENAME@';

/** The source the run adds (apt_repository): its one-line entry and the file it writes it to. */
export interface RunSource {
  /** `deb URL SUITE COMPONENTS` (SUITE may be CODENAME). */
  line: string;
  /** Under /etc/apt/sources.list.d/: the host's copy is replaced by `line`. */
  file: string;
}

export interface PolicyVersion {
  version: string;
  /** The `*** ` line: what dpkg has. */
  installed: boolean;
  /** `http://deb.debian.org/debian bookworm/main amd64 Packages` (no priority); dpkg's: `/var/lib/dpkg/status`. */
  sources: string[];
}

export interface Policy {
  installed: string | null;
  candidate: string | null;
  versions: PolicyVersion[];
}

export interface AptProbe {
  /** The codename the script read from os-release (the suite of a wand or suite-less source). */
  codename: string;
  /** Package → version, for those dpkg has installed ("ii"). */
  installed: Record<string, string>;
  /** Every package was installed: nothing else was read. */
  skipped: boolean;
  arch: string;
  kernel: string;
  /** `apt-get update` into the throwaway lists: its exit status and its error/warning lines. */
  update: { rc: number; errors: string[] };
  /** apt-cache policy of the packages (and the running kernel's headers); a package apt does not know is absent. */
  policy: Record<string, Policy>;
}

const SKIP_LINE = 'skipped: every package the run installs is installed (no apt-get update, no Release read)';

/**
 * The fact's script: print the dpkg state of `packages`, then run `probe` in a subshell unless every
 * one is installed ("ii"), which prints the skip line instead. Inline (the gather's own shell, no fork of
 * its own): the no-op path is builtins only when the gather's dpkg-query (facts/apt.ts, read before this
 * fact: probeFacts) asked for every package, else one dpkg-query of its own. Its variables are set before
 * they are read; the dpkg-query's are read only once it says it asked for every package.
 */
function unlessInstalled(packages: readonly string[], probe: string): string {
  const names = quoteAll(packages);
  const skip = `echo ${quote(`@@${SKIP_LINE}`)}`;
  // No package to install (--tags, a playbook without apt tasks): dpkg-query with no name lists them all.
  if (packages.length === 0) return `${skip};`;
  const { out, asked } = DPKG_VARS;
  return (
    `pf_s=; pf_all=1; for pf_p in ${names}; do case "\${${asked}-}" in *" $pf_p "*) ;; *) pf_all= ;; esac; done; ` +
    // The batch's lines (`name<TAB>status<TAB>version`) in this fact's form (`status|name|version`):
    // `read` splits at the tabs; the shell writes the here-document itself, no process.
    `if [ -n "$pf_all" ]; then while IFS='\t' read -r pf_n pf_t pf_v; do ` +
    `[ -n "$pf_n" ] && pf_s="$pf_s$pf_t|$pf_n|$pf_v\n"; done <<PF_EOF\n$${out}\nPF_EOF\n` +
    `else pf_s=$(dpkg-query -W -f='\${db:Status-Abbrev}|\${Package}|\${Version}\\n' ${names} 2>/dev/null); fi; ` +
    `printf '@@dpkg\\n%s\\n@@end\\n' "$pf_s"; pf_todo=; ` +
    `for pf_p in ${names}; do case "\n$pf_s" in *"\nii |$pf_p|"*) ;; *) pf_todo="$pf_todo $pf_p" ;; esac; done; ` +
    `if [ -z "$pf_todo" ]; then ${skip}; else ( ${probe}\n); fi`
  );
}

// os-release as parseOsRelease reads it (VERSION_CODENAME, else UBUNTU_CODENAME).
const CODENAME_SH =
  'c=$(f=/etc/os-release; [ -r $f ] || f=/usr/lib/os-release; . $f 2>/dev/null; ' +
  'echo "${VERSION_CODENAME:-$UBUNTU_CODENAME}"); ' +
  'echo "@@codename $c"; ';

/** A string with CODENAME in it, as a POSIX sh word that puts the script's `$c` there. */
function withCodename(text: string): string {
  return text
    .split(CODENAME)
    .map((part) => (part ? quote(part) : ''))
    .join('"$c"');
}

const TMPDIR_SH = `t=$(mktemp -d "\${TMPDIR:-/tmp}/ovnctl-preflight.XXXXXX") || exit 1; trap 'rm -rf "$t"' EXIT; `;

/** The `-o` options that point apt at the throwaway directory `$t` (the host's dpkg status stays). */
export const APT_TEMP_OPTIONS = [
  'Dir::Etc::SourceList=$t/sources.list',
  'Dir::Etc::SourceParts=$t/sources.list.d',
  'Dir::State::Lists=$t/lists',
  'Dir::Cache=$t/cache',
  // A mktemp directory is root's only: the _apt sandbox user could not write the downloads.
  'APT::Sandbox::User=root',
  'Acquire::http::Timeout=10',
  'Acquire::https::Timeout=10',
  'Acquire::Retries=0',
  // Candidates need the package indexes only.
  'Acquire::Languages=none',
]
  .map((o) => `-o "${o}"`)
  .join(' ');

/**
 * The host's sources (less the file the run rewrites) plus the run's source, `apt-get update` into the
 * throwaway lists, then `apt-cache policy` of the packages and, for dkms, of the running kernel's headers.
 * The run's source is `trusted=yes` here: its key is uploaded by the run itself, and only candidates are read.
 * apt's own 10 s network timeouts end a dead mirror; the outer 300 s only stops an apt that hangs (101 lab
 * hosts updating at once on 2 cores took over 120 s, each update starting ~100 processes, most of them
 * apt-key's for the host's own signed sources).
 */
export function aptProbe(packages: readonly string[], source: RunSource | null, headers: boolean) {
  const sorted = [...packages].sort();
  const copy =
    'for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do ' +
    '[ -f "$f" ] || continue; ' +
    (source ? `[ "\${f##*/}" = ${quote(source.file)} ] && continue; ` : '') +
    'cp "$f" "$t/sources.list.d/"; done; ';
  const own = source
    ? `printf '%s\\n' ${withCodename(source.line.trim().replace(/^deb /, 'deb [trusted=yes] '))} ` +
      `> "$t/sources.list.d/"${quote(source.file)}; `
    : '';
  const probe =
    CODENAME_SH +
    TMPDIR_SH +
    'mkdir -p "$t/sources.list.d" "$t/lists/partial" "$t/cache"; ' +
    'cp /etc/apt/sources.list "$t/sources.list" 2>/dev/null || : > "$t/sources.list"; ' +
    copy +
    own +
    `echo "@@arch $(dpkg --print-architecture)"; k=$(uname -r); echo "@@kernel $k"; ` +
    `timeout 300 apt-get -qq ${APT_TEMP_OPTIONS} update 2>&1; echo "@@update $?"; ` +
    `echo @@policy; apt-cache ${APT_TEMP_OPTIONS} policy ${quoteAll(sorted)}` +
    `${headers ? ' "linux-headers-$k"' : ''} 2>&1`;
  const key = `preflight.apt:${sorted.join(',')}|${source?.file ?? ''}|${source?.line.trim() ?? ''}|${headers}`;
  return defineFact(key, unlessInstalled(sorted, probe), parseAptProbe, { reads: [Resource.files], inline: true });
}

/** The probe's output: `@@` marker lines, each section's lines after it. */
export function parseAptProbe(out: string): AptProbe {
  const probe: AptProbe = {
    codename: '',
    installed: {},
    skipped: false,
    arch: '',
    kernel: '',
    update: { rc: -1, errors: [] },
    policy: {},
  };
  let section = '';
  const policyLines: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^@@(\S+)(?: (.*))?$/.exec(line);
    if (m) {
      section = m[1];
      if (section === 'codename') probe.codename = m[2] ?? '';
      if (section === 'arch') probe.arch = m[2] ?? '';
      if (section === 'kernel') probe.kernel = m[2] ?? '';
      if (section === 'update') probe.update.rc = Number(m[2]);
      if (section === 'skipped:') probe.skipped = true;
      continue;
    }
    if (section === 'dpkg') {
      const [status, name, version] = line.split('|');
      if (status?.startsWith('ii') && name) probe.installed[name] = version ?? '';
    } else if (section === 'kernel' && /^(E|W|Err):/.test(line.trim())) {
      // apt-get update's lines: after @@kernel, before its @@update marker.
      probe.update.errors.push(line.trim());
    } else if (section === 'policy') {
      policyLines.push(line);
    }
  }
  probe.policy = parsePolicy(policyLines.join('\n'));
  return probe;
}

/** `apt-cache policy A B …`: per package, Installed, Candidate and the version table. */
export function parsePolicy(text: string): Record<string, Policy> {
  const out: Record<string, Policy> = {};
  let cur: Policy | null = null;
  let version: PolicyVersion | null = null;
  for (const line of text.split('\n')) {
    const pkg = /^(\S+?):(?:[a-z0-9]+:)?\s*$/.exec(line);
    if (pkg) {
      cur = { installed: null, candidate: null, versions: [] };
      out[pkg[1]] = cur;
      version = null;
      continue;
    }
    if (!cur) continue;
    const field = /^\s+(Installed|Candidate):\s*(\S+)/.exec(line);
    if (field) {
      const v = field[2] === '(none)' ? null : field[2];
      if (field[1] === 'Installed') cur.installed = v;
      else cur.candidate = v;
      continue;
    }
    // ` *** 3.1.0-2 500` or `     3.1.0-2 500 (phased 10%)`: a version;
    // `        500 URL suite/comp arch Packages`: one of its sources.
    const ver = /^ (\*\*\*| {3}) (\S+) -?\d+/.exec(line);
    if (ver) {
      version = { version: ver[2], installed: ver[1] === '***', sources: [] };
      cur.versions.push(version);
      continue;
    }
    const src = /^\s{6,}-?\d+ (.+?)\s*$/.exec(line);
    if (src && version) version.sources.push(src[1]);
  }
  return out;
}

/** The sources of a version other than dpkg's own record of what is installed. */
export const archiveSources = (v: PolicyVersion): string[] => v.sources.filter((s) => !s.startsWith('/'));

export interface HostRelease {
  url: string;
  skipped: boolean;
  /** apt-helper's exit status; 0 = the file was downloaded. */
  rc: number;
  /** apt-helper's last lines (why it failed). */
  message: string;
  body: string;
}

/**
 * --from-hosts: the host downloads the suite's Release file itself (apt-helper, present wherever apt is),
 * bounded by timeout(1); skipped, like the probe, when every package is installed.
 */
export function hostRelease(packages: readonly string[], url: string) {
  const sorted = [...packages].sort();
  const probe =
    CODENAME_SH +
    TMPDIR_SH +
    `u=${withCodename(url)}; echo "@@url $u"; ` +
    `m=$(timeout 15 /usr/lib/apt/apt-helper -o APT::Sandbox::User=root download-file "$u" "$t/Release" 2>&1); ` +
    `echo "@@rc $?"; printf '%s\\n' "$m" | tail -n 4; echo @@body; cat "$t/Release" 2>/dev/null`;
  return defineFact(
    `preflight.apt-release:${sorted.join(',')}|${url}`,
    unlessInstalled(sorted, probe),
    parseHostRelease,
    {
      reads: [Resource.files],
      inline: true,
    },
  );
}

export function parseHostRelease(out: string): HostRelease {
  const r: HostRelease = { url: '', skipped: false, rc: -1, message: '', body: '' };
  let section = '';
  const message: string[] = [];
  const body: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^@@(\S+)(?: (.*))?$/.exec(line);
    if (m) {
      section = m[1];
      if (section === 'url') r.url = m[2] ?? '';
      if (section === 'rc') r.rc = Number(m[2]);
      if (section === 'skipped:') r.skipped = true;
      continue;
    }
    if (section === 'rc' && line.trim()) message.push(line.trim());
    if (section === 'body') body.push(line);
  }
  r.message = message.join(' ');
  r.body = body.join('\n');
  return r;
}

export interface ReleaseInfo {
  suite: string;
  codename: string;
  origin: string;
  components: string[];
  architectures: string[];
}

/** The fields of a Release (or InRelease: its signature lines are no fields) file that say what it serves. */
export function parseRelease(text: string): ReleaseInfo {
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  const list = (name: string) => field(name).split(/\s+/).filter(Boolean);
  return {
    suite: field('Suite'),
    codename: field('Codename'),
    origin: field('Origin'),
    components: list('Components'),
    architectures: list('Architectures'),
  };
}
