// What the lab needs from this machine, checked before anything is made: Linux, root, the tools.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { OvnctlError } from '../errors.js';

/** Each tool the lab runs, and the Debian package that ships it. */
export const LAB_TOOLS = {
  ip: 'iproute2',
  nsenter: 'util-linux',
  unshare: 'util-linux',
  flock: 'util-linux',
  mount: 'mount',
  umount: 'mount',
  pivot_root: 'util-linux',
  'ssh-keygen': 'openssh-client',
  debootstrap: 'debootstrap',
  chroot: 'coreutils',
  'apt-ftparchive': 'apt-utils',
  gpg: 'gnupg',
  gpgconf: 'gnupg',
} as const;

export type LabTool = keyof typeof LAB_TOOLS;

/** Tools for running hosts; the cache builder needs the rest too. */
export const HOST_TOOLS: readonly LabTool[] = [
  'ip',
  'nsenter',
  'unshare',
  'flock',
  'mount',
  'umount',
  'pivot_root',
  'ssh-keygen',
];
export const CACHE_TOOLS: readonly LabTool[] = ['debootstrap', 'chroot', 'apt-ftparchive', 'gpg', 'gpgconf'];

/** Fail with a clear message unless this is Linux, we are root, and every tool is installed. */
export function checkLabPrerequisites(tools: readonly LabTool[] = HOST_TOOLS): void {
  if (process.platform !== 'linux') {
    throw new OvnctlError(`the lab runs only on Linux (this is ${process.platform})`);
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new OvnctlError('the lab needs root (network namespaces, mounts, bridges): run it with sudo');
  }
  const missing = tools.filter((t) => !findExecutable(t));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((t) => LAB_TOOLS[t]))];
    throw new OvnctlError(
      `the lab needs ${missing.join(', ')}, not found in PATH: install with \`apt-get install ${pkgs.join(' ')}\``,
    );
  }
}

/** Why the lab cannot run here, or undefined when it can (for tests that skip). */
export function labUnavailableReason(): string | undefined {
  try {
    checkLabPrerequisites([...HOST_TOOLS, ...CACHE_TOOLS]);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function findExecutable(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}
