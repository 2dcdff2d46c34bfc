// apt: package sources, packages and build dependencies. Every apt-get call waits for the dpkg lock
// (bounded) instead of failing, and `apt-get update` runs only when a source changed since the last one.
import { z } from 'zod';
import { TaskFailure } from '../errors.js';
import { APT_SOURCES_SUM, APT_STAMP, aptListsFresh, buildDepSatisfied, debPackages } from '../facts/apt.js';
import { fileState } from '../facts/files.js';
import { osRelease } from '../facts/os.js';
import { raw, sh, type Command } from '../shell/command.js';
import { uploadCommand } from '../shell/upload.js';
import { sha256 } from '../util/hash.js';
import { defineModule, noChange } from './module.js';

export const APT_LOCK_TIMEOUT_S = 600;
const APT = raw(`DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_S}`);

export const aptUpdate: Command = sh`${APT} -o APT::Update::Error-Mode=any update && mkdir -p /var/lib/ovnctl && ${raw(APT_SOURCES_SUM)} > ${APT_STAMP}`;

const WAND = { url: 'https://packages.wand.net.nz', key: 'https://packages.wand.net.nz/keyring.gpg', components: ['main'] };

const sourceSchema = z.union([
  z.object({ kind: z.literal('wand') }),
  z.object({ kind: z.literal('distro') }),
  z.object({ kind: z.literal('custom'), url: z.string(), key: z.string(), suite: z.string().optional(), components: z.array(z.string()) }),
]);

/** The repository line and key a package source stands for on a host of the given codename. */
export function repositoryFor(source: z.infer<typeof sourceSchema>, codename: string) {
  if (source.kind === 'distro') return null;
  const s = source.kind === 'wand' ? { ...WAND, suite: codename } : { ...source, suite: source.suite ?? codename };
  return { name: source.kind === 'wand' ? 'wand' : 'mirror', line: `deb ${s.url} ${s.suite} ${s.components.join(' ')}\n`, key: s.key };
}

export const aptRepository = defineModule({
  name: 'apt_repository',
  args: z.object({ source: sourceSchema }).strict(),
  facts: ({ source }) => {
    const name = source.kind === 'wand' ? 'wand' : 'mirror';
    return [osRelease, fileState(`/etc/apt/sources.list.d/ovnctl-${name}.list`), fileState(`/etc/apt/trusted.gpg.d/ovnctl-${name}.asc`), fileState(`/etc/apt/trusted.gpg.d/ovnctl-${name}.gpg`)];
  },
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
    return { commands, diff: { before: list.exists ? `(${listPath} sha256 ${list.sha256.slice(0, 12)})` : '', after: repo.line }, msg: repo.line.trim() };
  },
});

export const aptPackages = defineModule({
  name: 'apt',
  args: z.object({ packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.:-]*$/, 'not a Debian package name')).min(1), state: z.enum(['present', 'absent']).default('present'), purge: z.boolean().default(false) }).strict(),
  facts: ({ packages, state }) => (state === 'present' ? [debPackages(packages), aptListsFresh] : [debPackages(packages)]),
  plan({ packages, state, purge }, facts) {
    const status = facts(debPackages(packages));
    if (state === 'absent') {
      const present = packages.filter((p) => status[p].installed);
      if (present.length === 0) return noChange('not installed');
      return { commands: [sh`${APT} ${raw(purge ? 'purge' : 'remove')} ${present}`], msg: `remove ${present.join(' ')}` };
    }
    const missing = packages.filter((p) => !status[p].installed);
    if (missing.length === 0) return noChange(packages.map((p) => `${p} ${status[p].version}`).join(', '));
    const commands = facts(aptListsFresh) ? [] : [aptUpdate];
    commands.push(sh`${APT} install ${missing}`);
    return { commands, msg: `install ${missing.join(' ')}` };
  },
});

export const aptBuildDep = defineModule({
  name: 'apt_build_dep',
  args: z.object({ package: z.string().regex(/^[a-z0-9][a-z0-9+.-]*$/) }).strict(),
  facts: ({ package: pkg }) => [buildDepSatisfied(pkg), aptListsFresh],
  plan({ package: pkg }, facts) {
    const state = facts(buildDepSatisfied(pkg));
    if (state.ok) return noChange(`build dependencies of ${pkg} present`);
    if (state.error && facts(aptListsFresh)) {
      throw new TaskFailure(`apt-get build-dep ${pkg} cannot resolve: ${state.error} (it needs deb-src lines in the apt sources)`);
    }
    return { commands: [...(facts(aptListsFresh) ? [] : [aptUpdate]), sh`${APT} build-dep ${pkg}`], msg: `install build dependencies of ${pkg}` };
  },
});
