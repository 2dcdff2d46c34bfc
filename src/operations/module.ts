// A module (Ansible's name; pyinfra's "operation"): declared, validated arguments; the facts it reads;
// and a plan that yields only the commands closing the gap between wanted and actual state.
// A module never knows whether it runs in check mode: the runner decides whether to apply the plan.
import type * as z from 'zod';
import type { Host, Inventory } from '../inventory/types.js';
import type { Command } from '../shell/command.js';
import type { Fact } from '../facts/fact.js';
import type { Resource } from '../facts/resources.js';
import type { Ca } from '../pki/index.js';

export interface ModuleContext {
  host: Host;
  inventory: Inventory;
  /** Read a local file or URL once per run (keys, uploads); cached by the runner. */
  readAsset(source: string): Promise<Buffer>;
  /** With tls.enabled: the CA that signs the hosts' certificates, loaded (or created) once per run. */
  ca?: CaProvider;
  /** The apt packages the run would install on this host (its playbook's apt tasks; preflight: install's). */
  installs?: readonly string[];
  /** GET a URL from the machine running ovnctl, bounded, once per run (a 404 is a result, not an error). */
  fetchUrl?: UrlFetcher;
}

export type UrlFetch = { status: number; body: string } | { error: string };
export type UrlFetcher = (url: string) => Promise<UrlFetch>;

/** The run's CA; `create: false` (a read-only check) gives null rather than creating one. */
export type CaProvider = (o?: { create?: boolean }) => Promise<Ca | null>;

/** Facts are read through this; a fact not declared by `facts()` is a programming error. */
export type FactReader = <T>(fact: Fact<T>) => T;

export interface Diff {
  before: string;
  after: string;
}

export interface Plan {
  commands: Command[];
  /** Before/after for --diff (files, settings). */
  diff?: Diff;
  /** One line that says what the plan does or why nothing is needed. */
  msg?: string;
  /** Skipped with a reason (e.g. nothing applies to this host). */
  skip?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds modules of every args type; each checks its own with zod
export interface Module<A = any> {
  readonly name: string;
  readonly args: z.ZodType<A>;
  /** The facts the plan reads, so the runner can batch them into one round trip. */
  facts(args: A, ctx: ModuleContext): Fact<unknown>[];
  /**
   * Pure but for readAsset: args + facts in, commands out. Throws TaskFailure when the host cannot be
   * brought there.
   */
  plan(args: A, facts: FactReader, ctx: ModuleContext): Plan | Promise<Plan>;
  /**
   * Optional: the host state a change by this module writes; the runner then drops the cached facts
   * that read any of it (Fact.reads) and keeps the rest. Absent = all of it (a package install or a
   * daemon start changes far more than it names). A narrow list must name everything the commands change.
   */
  writes?(args: A, ctx: ModuleContext): readonly Resource[];
  /**
   * Optional: a line of a running command's output that the user should see now (a lock wait, apt's
   * download and dpkg steps), put in words, with how far along the step is when the command says so;
   * undefined for every other line. The runner shows it as a `task-progress` event.
   */
  progress?(line: string): string | Progress | undefined;
  /**
   * Optional: what a failed command's whole output says that its last lines may not (apt: which fetch
   * errors were transient and how often apt retried them); appended to the failure message.
   */
  failureNote?(output: { stdout: string; stderr: string }): string | undefined;
}

/** A running command's step in words, and how far along it is (0-100) when the command says. */
export interface Progress {
  msg: string;
  percent?: number;
}

export function defineModule<A>(m: Module<A>): Module<A> {
  return m;
}

export const noChange = (msg?: string): Plan => ({ commands: [], msg });
