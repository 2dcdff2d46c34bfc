// apt: package sources, packages and build dependencies. Every apt-get call waits for the dpkg lock
// (bounded by packages.lockTimeout, and saying so while it waits) instead of failing, `apt-get update`
// runs only when a source changed since the last one, and a dpkg run that an earlier, interrupted
// ovnctl run left half done is finished first (`dpkg --configure -a`), so a rerun converges by itself.
// apt retries a fetch that failed transiently (Acquire::Retries) and reports its download and dpkg
// steps on a status fd (apt-status.ts) that the task shows as progress; a failure says which fetch
// errors were transient (apt-errors.ts).
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import { aptFailureNote } from './apt-errors.js';
import { APT_STATUS_FD, APT_STATUS_REDIRECT, aptStatus } from './apt-status.js';
import {
  APT_SOURCES_SUM,
  APT_STAMP,
  aptListsFresh,
  buildDepSatisfied,
  debPackages,
  dpkgInterrupted,
  needsDpkgConfigure,
  type DpkgInterrupted,
} from '../facts/apt.js';
import { fileState } from '../facts/files.js';
import { osRelease } from '../facts/os.js';
import { raw, sh, type Command, type Raw } from '../shell/command.js';
import { uploadCommand } from '../shell/upload.js';
import { sha256 } from '../util/hash.js';
import { Resource } from '../facts/resources.js';
import { defineModule, noChange, type FactReader, type ModuleContext, type Progress } from './module.js';

/** The default of packages.lockTimeout (seconds). */
export const APT_LOCK_TIMEOUT_S = 600;
/**
 * How often apt retries a fetch that failed transiently (a refused or timed-out connect, a 503...).
 * apt >= 2.3 retries 3 times by default; older ones (Debian 11, Ubuntu 20.04) do not retry unless asked.
 */
export const APT_RETRIES = 3;

/** apt-get `args`: waiting for the dpkg lock, retrying transient fetch errors, status lines on stdout. */
function aptGet(lockS: number, args: Command | Raw): Command {
  const lock = `DPkg::Lock::Timeout=${Math.max(0, Math.round(lockS))}`;
  const opts = raw(`-o ${lock} -o Acquire::Retries=${APT_RETRIES} ${APT_STATUS_FD}`);
  return sh`DEBIAN_FRONTEND=noninteractive apt-get -q -y ${opts} ${args} ${raw(APT_STATUS_REDIRECT)}`;
}
const lockTimeoutOf = (ctx: ModuleContext) => ctx.inventory.packages.lockTimeout ?? APT_LOCK_TIMEOUT_S;

export function aptUpdateCommand(lockS: number): Command {
  const stamp = sh`mkdir -p /var/lib/ovnctl && ${raw(APT_SOURCES_SUM)} > ${APT_STAMP}`;
  return sh`${aptGet(lockS, raw('-o APT::Update::Error-Mode=any update'))} && ${stamp}`;
}

/**
 * Finish what an interrupted dpkg run left (apt refuses to work until then). dpkg cannot wait for its
 * lock, so `apt-get check` waits first (bounded, with apt's "Waiting for cache lock" lines), then
 * refuses because of the interrupted run - expected, hence `|| true`.
 */
export function dpkgConfigureCommand(lockS: number): Command {
  // A package cut off while unpacking is "half-installed": --configure -a cannot finish it, apt-get -f reinstalls it.
  const configure = sh`DEBIAN_FRONTEND=noninteractive dpkg --force-confdef --force-confold --configure -a`;
  const check = aptGet(lockS, raw('check'));
  return sh`{ ${check} 2>/dev/null || true; } && { ${configure} || true; } && ${aptGet(lockS, raw('-f install'))}`;
}

/** `dpkg --configure -a` first when an earlier run was cut off; [] otherwise. */
function finishInterrupted(facts: FactReader, lockS: number): Command[] {
  return needsDpkgConfigure(facts(dpkgInterrupted)) ? [dpkgConfigureCommand(lockS)] : [];
}

function interruptedNote(d: DpkgInterrupted): string {
  if (!needsDpkgConfigure(d)) return '';
  const names = d.unfinished.length ? `: ${d.unfinished.join(' ')}` : '';
  return `finish the interrupted dpkg run (dpkg --configure -a${names}), then `;
}

/**
 * apt's lock-wait lines ("Waiting for cache lock: Could not get lock X. It is held by process N (name)...")
 * in words; its status lines (downloading, unpacking, configuring...) in words with their percent.
 */
export function aptProgress(line: string): string | Progress | undefined {
  const m = /^Waiting for cache lock:\s*(.*?)(?:\.\.\.)?\s*$/.exec(line);
  if (!m) return aptStatus(line);
  const held = /Could not get lock (\S+?)\.? It is held by process (\d+)(?: \(([^)]*)\))?/.exec(m[1]);
  if (!held) return `waiting for the dpkg lock: ${m[1]} (bounded by packages.lockTimeout)`;
  return (
    `waiting for the lock ${held[1]}, held by process ${held[2]}${held[3] ? ` (${held[3]})` : ''} ` +
    '(bounded by packages.lockTimeout)'
  );
}

/** Which of a failed apt-get's fetch errors were transient, and how often apt retried them. */
export function aptFailure(output: { stdout: string; stderr: string }): string | undefined {
  return aptFailureNote(output, APT_RETRIES);
}

const WAND = {
  url: 'https://packages.wand.net.nz',
  key: 'https://packages.wand.net.nz/keyring.gpg',
  components: ['main'],
};

const sourceSchema = z.union([
  z.object({ kind: z.literal('wand') }),
  z.object({ kind: z.literal('distro') }),
  z.object({
    kind: z.literal('custom'),
    url: z.string(),
    key: z.string(),
    suite: z.string().optional(),
    components: z.array(z.string()),
  }),
]);

/** The repository line and key a package source stands for on a host of the given codename. */
export function repositoryFor(source: z.infer<typeof sourceSchema>, codename: string) {
  if (source.kind === 'distro') return null;
  const s = source.kind === 'wand' ? { ...WAND, suite: codename } : { ...source, suite: source.suite ?? codename };
  return {
    name: source.kind === 'wand' ? 'wand' : 'mirror',
    line: `deb ${s.url} ${s.suite} ${s.components.join(' ')}\n`,
    key: s.key,
  };
}

export const aptRepository = defineModule({
  name: 'apt_repository',
  args: z.object({ source: sourceSchema }).strict(),
  facts: ({ source }) => {
    const name = source.kind === 'wand' ? 'wand' : 'mirror';
    return [
      osRelease,
      fileState(`/etc/apt/sources.list.d/ovnctl-${name}.list`),
      fileState(`/etc/apt/trusted.gpg.d/ovnctl-${name}.asc`),
      fileState(`/etc/apt/trusted.gpg.d/ovnctl-${name}.gpg`),
    ];
  },
  // It only writes the list and key files; `apt-get update` comes with the next apt task.
  writes: () => [Resource.files],
  async plan({ source }, facts, ctx) {
    const os = facts(osRelease);
    const repo = repositoryFor(source, os.codename);
    if (!repo) return { commands: [], skip: "packages come from the distribution's archive" };
    const key = await ctx.readAsset(repo.key);
    // apt reads armored keys only from *.asc, binary ones only from *.gpg.
    const ext = key.subarray(0, 40).toString('latin1').includes('-----BEGIN PGP') ? 'asc' : 'gpg';
    const listPath = `/etc/apt/sources.list.d/ovnctl-${repo.name}.list`;
    const keyPath = `/etc/apt/trusted.gpg.d/ovnctl-${repo.name}.${ext}`;
    const list = facts(fileState(listPath));
    const keyFile = facts(fileState(keyPath));
    const commands: Command[] = [];
    if (!keyFile.exists || keyFile.sha256 !== sha256(key) || keyFile.mode !== '0644') {
      commands.push(uploadCommand({ dest: keyPath, content: key, mode: '0644' }));
    }
    if (!list.exists || list.sha256 !== sha256(repo.line) || list.mode !== '0644') {
      commands.push(uploadCommand({ dest: listPath, content: Buffer.from(repo.line), mode: '0644' }));
    }
    return {
      commands,
      diff: { before: list.exists ? `(${listPath} sha256 ${list.sha256.slice(0, 12)})` : '', after: repo.line },
      msg: repo.line.trim(),
    };
  },
});

export const aptPackages = defineModule({
  name: 'apt',
  args: z
    .object({
      packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.:-]*$/, 'not a Debian package name')).min(1),
      state: z.enum(['present', 'absent']).default('present'),
      purge: z.boolean().default(false),
    })
    .strict(),
  facts: ({ packages, state }) =>
    state === 'present'
      ? [debPackages(packages), aptListsFresh, dpkgInterrupted]
      : [debPackages(packages), dpkgInterrupted],
  plan({ packages, state, purge }, facts, ctx) {
    const lockS = lockTimeoutOf(ctx);
    const status = facts(debPackages(packages));
    if (state === 'absent') {
      const present = packages.filter((p) => status[p].installed || (purge && status[p].configFiles));
      if (present.length === 0) return noChange('not installed');
      const commands = [
        ...finishInterrupted(facts, lockS),
        aptGet(lockS, sh`${raw(purge ? 'purge' : 'remove')} ${present}`),
      ];
      return { commands, msg: `${interruptedNote(facts(dpkgInterrupted))}remove ${present.join(' ')}` };
    }
    const missing = packages.filter((p) => !status[p].installed);
    if (missing.length === 0) return noChange(packages.map((p) => `${p} ${status[p].version}`).join(', '));
    const commands = finishInterrupted(facts, lockS);
    if (!facts(aptListsFresh)) commands.push(aptUpdateCommand(lockS));
    commands.push(aptGet(lockS, sh`install ${missing}`));
    return { commands, msg: `${interruptedNote(facts(dpkgInterrupted))}install ${missing.join(' ')}` };
  },
  progress: aptProgress,
  failureNote: aptFailure,
});

export const aptBuildDep = defineModule({
  name: 'apt_build_dep',
  args: z.object({ package: z.string().regex(/^[a-z0-9][a-z0-9+.-]*$/) }).strict(),
  facts: ({ package: pkg }) => [buildDepSatisfied(pkg), aptListsFresh, dpkgInterrupted],
  plan({ package: pkg }, facts, ctx) {
    const lockS = lockTimeoutOf(ctx);
    const state = facts(buildDepSatisfied(pkg));
    if (state.ok) return noChange(`build dependencies of ${pkg} present`);
    if (state.error && facts(aptListsFresh)) {
      throw new TaskFailure(
        `apt-get build-dep ${pkg} cannot resolve: ${state.error} (it needs deb-src lines in the apt sources)`,
      );
    }
    const commands = [
      ...finishInterrupted(facts, lockS),
      ...(facts(aptListsFresh) ? [] : [aptUpdateCommand(lockS)]),
      aptGet(lockS, sh`build-dep ${pkg}`),
    ];
    return { commands, msg: `${interruptedNote(facts(dpkgInterrupted))}install build dependencies of ${pkg}` };
  },
  progress: aptProgress,
  failureNote: aptFailure,
});
