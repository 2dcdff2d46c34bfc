// `serial`: how a play's targets are cut into batches that run one after the other.
import type { Serial } from './types.js';

/**
 * The batch size `serial` gives a play of `total` targets: N hosts, or N% of them rounded down but at
 * least 1 (Ansible's rule, so "30%" of 3 hosts is 1, not 0). Without serial, one batch of everything.
 */
export function batchSize(serial: Serial | undefined, total: number): number {
  if (!serial) return Math.max(total, 1);
  if ('hosts' in serial) return serial.hosts;
  return Math.max(Math.floor((total * serial.percent) / 100), 1);
}

/** `items` (a play's targets, in inventory order) in consecutive batches of `batchSize`. */
export function splitBatches<T>(items: readonly T[], serial: Serial | undefined): T[][] {
  const size = batchSize(serial, items.length);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `serial: 2` or `serial: 30%`, as a user wrote it, for messages. */
export function serialText(serial: Serial): string {
  return 'hosts' in serial ? String(serial.hosts) : `${serial.percent}%`;
}

/**
 * The task name of the one skipped result each host that has run nothing gets when a failed batch of a
 * serial play ends the run; reporters show it even where they hide routine skips.
 */
export const NOT_RUN_TASK = 'not run';
