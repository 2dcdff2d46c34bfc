// A fact (pyinfra facts/*.py): the read-only shell command that reads one piece of host state, and a
// parser of its output into a typed value. Facts never change a host.
import type { Resource } from './resources.js';

export interface Fact<T> {
  /** Unique per instance, e.g. `deb.packages:ovn-host,ovn-common`: the cache key within a host. */
  readonly key: string;
  /** POSIX sh that reads the state. Runs with stderr discarded; its exit status is passed to parse. */
  readonly command: string;
  parse(stdout: string, exitCode: number): T;
  /** The host state the command reads: a change that writes one of these makes the cached value stale. */
  readonly reads: readonly Resource[];
  /**
   * Safe to run in the gather's own shell instead of a subshell, which saves a fork per fact: the
   * command never `exit`s, `cd`s or changes options, and sets every variable it reads before reading it.
   */
  readonly inline?: boolean;
  /** Read together with the other facts of its batch: see FactBatch. */
  readonly batch?: { readonly of: FactBatch; readonly words: readonly string[] };
}

/**
 * Facts that one command reads for many words at once (one `stat` for every file, one `dpkg-query`
 * for every package): a gather runs `command` once over the words of all its facts of the batch, and
 * passes that output to each of them. So a batched fact's parse picks its own words out of the output
 * of any word list that includes them, and its own `command` is the batch's over its words alone.
 */
export interface FactBatch {
  readonly id: string;
  readonly reads: readonly Resource[];
  command(words: readonly string[]): string;
}

export interface FactOptions {
  reads: readonly Resource[];
  inline?: boolean;
}

export function defineFact<T>(
  key: string,
  command: string,
  parse: (out: string, rc: number) => T,
  opts: FactOptions,
): Fact<T> {
  return { key, command, parse, reads: opts.reads, ...(opts.inline ? { inline: true } : {}) };
}

/** A fact of a batch (always inline: batch commands are written for the gather's shell). */
export function defineBatchFact<T>(
  key: string,
  batch: FactBatch,
  words: readonly string[],
  parse: (out: string, rc: number) => T,
): Fact<T> {
  return { key, command: batch.command(words), parse, reads: batch.reads, inline: true, batch: { of: batch, words } };
}

/** Read `KEY=value` / `KEY="value"` lines (os-release, env files). */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2];
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]] = v.replace(/\\(["$`\\])/g, '$1');
  }
  return out;
}
