// File-system helpers for the lab: mounts under a path, and removal that never walks into a mount.
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { run } from './exec.js';

/** Mount points at or under `path` on this machine, deepest first. */
export function mountsUnder(path: string): string[] {
  const root = resolve(path);
  const targets = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => unescapeMount(line.split(' ')[4]))
    .filter((t) => t === root || t.startsWith(root + sep));
  return [...new Set(targets)].sort((a, b) => b.length - a.length);
}

/** /proc/self/mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Unmount a mount point; lazily when it is busy. Absent mounts are fine. */
export async function unmount(target: string): Promise<void> {
  while (mountsUnder(target).includes(resolve(target))) {
    const r = await run(['umount', target], { allowFailure: true });
    if (r.exitCode !== 0) await run(['umount', '-l', target]);
  }
}

/** rm -rf that first unmounts whatever is mounted inside the tree (never deletes through a mount). */
export async function removeTree(path: string): Promise<void> {
  for (const m of mountsUnder(path)) await unmount(m);
  rmSync(path, { recursive: true, force: true });
}

/**
 * Move a completed temp tree into place (same file system: atomic). When another builder got there
 * first, keep theirs and drop ours.
 */
export async function publishTree(tmp: string, dest: string): Promise<void> {
  try {
    renameSync(tmp, dest);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw e;
    await removeTree(tmp);
  }
}
