// The Debian rootfs every lab host overlays: built once with debootstrap, cached, never half-built.
//   <cache>/rootfs-<key>/root        the tree (lower layer of every host's overlay)
//   <cache>/rootfs-<key>/stamp.json  what it was built from; <key> hashes the same inputs
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tail } from './exec.js';
import { OvnctlError } from '../errors.js';
import { sha256 } from '../util/hash.js';
import { publishTree, removeTree } from './lab-files.js';
import { isRunning } from './lab-processes.js';
import { CACHE_TOOLS, checkLabPrerequisites } from './preflight.js';

/** Bump when the way the cache is built changes: every cached tree is then rebuilt. */
export const CACHE_LAYOUT_VERSION = 1;

export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_ARCHIVE = 'http://deb.debian.org/debian';

/** What the hosts have before ovnctl installs anything: sshd, tools, and tini as pid 1 (reaps zombies). */
export const ROOTFS_PACKAGES = ['openssh-server', 'iproute2', 'procps', 'sudo', 'python3', 'tini'] as const;

export interface CachedRootfs {
  key: string;
  /** The tree to mount as the lower layer. */
  root: string;
}

export type Progress = (message: string) => void;

const SSHD_CONFIG = `# ovnctl lab host: root logs in with the lab key only; the host key is made fresh at each lab up.
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxSessions 32
MaxStartups 64:30:128
`;

export function rootfsKey(): string {
  return hashInputs({
    layout: CACHE_LAYOUT_VERSION,
    suite: DEBIAN_SUITE,
    variant: 'minbase',
    packages: ROOTFS_PACKAGES,
    sshd: SSHD_CONFIG,
  });
}

export function hashInputs(inputs: unknown): string {
  return sha256(JSON.stringify(inputs)).slice(0, 12);
}

/** The cached rootfs, built first when absent (about a minute, from deb.debian.org). */
export async function ensureRootfs(cacheDir: string, progress: Progress = () => undefined): Promise<CachedRootfs> {
  const key = rootfsKey();
  const dir = join(cacheDir, `rootfs-${key}`);
  const root = join(dir, 'root');
  if (existsSync(join(dir, 'stamp.json'))) return { key, root };

  checkLabPrerequisites(CACHE_TOOLS);
  await removeStaleBuilds(cacheDir);
  const tmp = join(cacheDir, `tmp-rootfs-${key}-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  try {
    progress(`building the lab's Debian ${DEBIAN_SUITE} rootfs with debootstrap (once; about a minute)`);
    // In a private mount namespace: debootstrap's own /proc and /sys mounts die with it.
    const r = await run(
      [
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'debootstrap',
        '--variant=minbase',
        `--include=${ROOTFS_PACKAGES.join(',')}`,
        '--components=main',
        DEBIAN_SUITE,
        join(tmp, 'root'),
        DEBIAN_ARCHIVE,
      ],
      { allowFailure: true, timeoutMs: 20 * 60_000 },
    );
    writeFileSync(join(tmp, 'debootstrap.log'), r.stdout + r.stderr);
    if (r.failed) {
      throw new OvnctlError(
        `debootstrap of the lab rootfs failed (${r.timedOut ? 'timed out' : `exit ${r.exitCode}`}); ` +
          `it needs ${DEBIAN_ARCHIVE}:\n${tail(r.stdout + r.stderr, 15)}`,
      );
    }
    prepareRootfs(join(tmp, 'root'));
    writeFileSync(
      join(tmp, 'stamp.json'),
      JSON.stringify(
        {
          key,
          layout: CACHE_LAYOUT_VERSION,
          suite: DEBIAN_SUITE,
          packages: ROOTFS_PACKAGES,
          built: new Date().toISOString(),
        },
        null,
        2,
      ) + '\n',
    );
    await publishTree(tmp, dir);
  } catch (e) {
    await removeTree(tmp);
    throw e;
  }
  return { key, root };
}

/** Make the tree a lab host: air-gapped apt, no shared host keys, key-only sshd. */
function prepareRootfs(root: string): void {
  const at = (p: string) => join(root, p);
  for (const f of readdirSync(at('etc/ssh'))) if (f.startsWith('ssh_host_')) rmSync(at(`etc/ssh/${f}`));
  // No apt sources: the hosts reach nothing but the lab mirror, which `ovnctl install` adds.
  rmSync(at('etc/apt/sources.list'), { force: true });
  for (const f of readdirSync(at('etc/apt/sources.list.d')))
    rmSync(at(`etc/apt/sources.list.d/${f}`), { recursive: true });
  for (const f of readdirSync(at('var/lib/apt/lists'))) {
    if (f !== 'partial' && f !== 'lock') rmSync(at(`var/lib/apt/lists/${f}`), { recursive: true });
  }
  for (const f of readdirSync(at('var/cache/apt'))) if (f.endsWith('.bin')) rmSync(at(`var/cache/apt/${f}`));
  for (const f of readdirSync(at('var/cache/apt/archives'))) {
    if (f.endsWith('.deb')) rmSync(at(`var/cache/apt/archives/${f}`));
  }
  rmSync(at('etc/resolv.conf'), { force: true });
  writeFileSync(at('etc/resolv.conf'), '# ovnctl lab host: air-gapped, no DNS\n');
  writeFileSync(at('etc/ssh/sshd_config.d/ovnctl-lab.conf'), SSHD_CONFIG);
  mkdirSync(at('root/.ssh'), { recursive: true });
  chmodSync(at('root/.ssh'), 0o700);
}

/** Remove temp trees left by builds that crashed (their builder process is gone). */
export async function removeStaleBuilds(cacheDir: string): Promise<void> {
  if (!existsSync(cacheDir)) return;
  for (const f of readdirSync(cacheDir)) {
    const m = /^tmp-.*-(\d+)$/.exec(f);
    if (m && !isRunning(Number(m[1]), undefined)) await removeTree(join(cacheDir, f));
  }
}

/**
 * Remove cached rootfs and mirror trees of other keys (an older layout or package list) that nothing
 * uses now: no mount has them as a lower layer, no process (a mirror server) names them.
 */
export async function pruneCache(cacheDir: string, keep: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const f of readdirSync(cacheDir)) {
    const path = join(cacheDir, f);
    if (!/^(rootfs|mirror)-[0-9a-f]{12}$/.test(f) || keep.includes(path) || isInUse(path)) continue;
    await removeTree(path);
    removed.push(path);
  }
  return removed;
}

function isInUse(path: string): boolean {
  if (readFileSync('/proc/self/mountinfo', 'utf8').includes(path)) return true;
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .some((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path);
      } catch {
        return false;
      }
    });
}
