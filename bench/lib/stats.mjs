// Summaries of the per-run figures.

export function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Tasks that run apt (install steps): the same task names in both playbooks. */
const APT_TASK = /^Install /;

/** The slowest host's summed apt time of one run: no tool can finish the install faster. */
export function aptFloorMs(tasks) {
  const perHost = new Map();
  for (const t of tasks) {
    if (!APT_TASK.test(t.task) || t.status === 'skipped' || t.durationMs == null) continue;
    perHost.set(t.host, (perHost.get(t.host) ?? 0) + t.durationMs);
  }
  return perHost.size ? Math.max(...perHost.values()) : null;
}

/** How many tasks reported a change (a no-op rerun must have none). */
export function changedCount(tasks) {
  return tasks.filter((t) => t.status === 'changed').length;
}

export function failedCount(tasks) {
  return tasks.filter((t) => t.status === 'failed' || t.status === 'unreachable').length;
}
