// Undo what a lab's journal lists: processes, then mounts, network namespaces, links, and files.
import { removeTree, unmount } from './lab-files.js';
import { deleteLink, deleteNetns } from './lab-network.js';
import { signalProcess, waitGone } from './lab-processes.js';
import type { LabHostRecord, LabResource } from './lab-state.js';

/** Remove the resources (newest first within each kind); returns what could not be removed. */
export async function undoResources(
  resources: readonly LabResource[],
  hosts: readonly LabHostRecord[],
): Promise<string[]> {
  const failures: string[] = [];
  const of = <K extends LabResource['kind']>(kind: K) =>
    resources.filter((r): r is Extract<LabResource, { kind: K }> => r.kind === kind).reverse();

  // Each host's pid 1 first (its whole pid namespace dies with it, and its unshare parent reaps it and
  // exits); then every process the journal lists, for hosts whose init pid was never recorded.
  const inits = hosts.filter((h) => h.initPid).map((h) => ({ pid: h.initPid ?? 0, startTime: h.initStartTime }));
  for (const p of inits) signalProcess(p.pid, p.startTime, 'SIGKILL');
  await waitGone(inits, 5_000);
  const procs = [...inits, ...of('process')];
  for (const p of procs) signalProcess(p.pid, p.startTime, 'SIGKILL');
  const left = await waitGone(procs, 15_000);
  if (left.length > 0) failures.push(`processes still running: ${left.map((p) => p.pid).join(', ')}`);

  const attempt = async (what: string, f: () => Promise<void>) => {
    try {
      await f();
    } catch (e) {
      failures.push(`${what}: ${(e as Error).message}`);
    }
  };
  for (const m of of('mount')) await attempt(`unmount ${m.target}`, () => unmount(m.target));
  for (const n of of('netns')) await attempt(`netns ${n.name}`, () => deleteNetns(n.name));
  for (const l of of('link')) await attempt(`link ${l.name}`, () => deleteLink(l.name));
  for (const p of of('path')) await attempt(`remove ${p.path}`, () => removeTree(p.path));
  return failures;
}
