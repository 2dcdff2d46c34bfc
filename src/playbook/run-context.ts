// What every part of one run shares, passed explicitly rather than captured in one long closure: the
// options, each host's connection, fact cache and fate, the per-host counts, and the single way a task
// result is reported (counted, and masked like every other output path).
import type { HostReadFailure } from '../errors.js';
import { Semaphore } from '../connection/semaphore.js';
import type { Connection } from '../connection/types.js';
import type { Host, Inventory } from '../inventory/types.js';
import type { CaProvider, ModuleContext, UrlFetcher } from '../operations/module.js';
import type { HasSecrets } from '../shell/secret.js';
import { emptyCounts, type Counts, type EventSink, type RunEvent, type TaskStatus } from './events.js';
import { FactCache } from './fact-cache.js';
import type { HostRunLock, RunLockOptions } from './run-lock.js';
import { aptInstalls } from './installs.js';
import type { Play, Playbook, Task } from './types.js';

export interface RunOptions {
  check: boolean;
  forks: number;
  /** Opens (lazily) the connection of a host; one per host for the whole run. */
  connect: (host: Host) => Connection;
  readAsset: (source: string) => Promise<Buffer>;
  fetchUrl?: UrlFetcher;
  /** The playbook whose apt tasks say what the run installs (preflight alone: install.yaml); default pb. */
  installsFrom?: Playbook;
  /** The run's CA (tls.enabled): loaded or created once, on first use. */
  ca?: CaProvider;
  onEvent: EventSink;
  /** Full command output per host and task (already masked). */
  log?: (host: string, task: string, text: string) => void;
  tags?: string[];
  skipTags?: string[];
  signal?: AbortSignal;
  /** The run changes hosts: hold the run lock on each for the whole run (not under --check). */
  lock?: RunLockOptions;
}

export interface RunResult {
  hosts: Record<string, Counts>;
  durationMs: number;
  interrupted: boolean;
}

export interface HostState {
  host: Host;
  conn?: Connection;
  /** The host's run lock, asked for as soon as it is connected; held before its first task runs. */
  lock?: HostRunLock;
  facts: FactCache;
  /** Set once the host leaves the run: it runs nothing more. */
  dead: 'failed' | 'unreachable' | null;
  /** The play in which it left the run (serial stops on it); unset when it was unreachable at connect. */
  deadIn?: Play;
  /** Its facts for every play were read ahead (see host-facts.ts); later plays read only what is stale. */
  prefetched?: boolean;
  /** The host did not answer the read ahead of its tasks: the first task that needs facts fails with this. */
  unanswered?: HostReadFailure;
  /** A task of a `gate` play failed on it: it leaves the run when that play ends. */
  gateFailed?: boolean;
  /** It has run a batch of some play: when a failed batch ends the run, the hosts not started are told. */
  started?: boolean;
}

export class RunContext {
  /** The hosts some play targets, in inventory order; the others are never contacted. */
  readonly states: Map<string, HostState>;
  readonly counts: Record<string, Counts>;

  constructor(
    readonly pb: Playbook,
    readonly inv: Inventory,
    readonly opts: RunOptions,
  ) {
    const involved = inv.hosts.filter((h) => pb.plays.some((p) => p.targets.includes(h.name)));
    this.states = new Map(involved.map((h) => [h.name, { host: h, facts: new FactCache(), dead: null }]));
    this.counts = Object.fromEntries(involved.map((h) => [h.name, emptyCounts()]));
  }

  get forks(): number {
    return Math.max(this.opts.forks, 1);
  }

  interrupted(): boolean {
    return this.opts.signal?.aborted ?? false;
  }

  state(name: string): HostState {
    return this.states.get(name)!;
  }

  /** Every output path masks the inventory's secrets, and those the command being shown carries. */
  mask(text: string, ...owners: readonly HasSecrets[]): string {
    return this.inv.secrets.mask(text, ...owners);
  }

  event(e: RunEvent): void {
    this.opts.onEvent(e);
  }

  /** A task's result on a host: counted for the recap, and shown with its message masked. */
  report(play: string, task: string, host: string, status: TaskStatus, t0: number, msg: string, extra = {}): void {
    this.counts[host][status]++;
    this.event({ type: 'task', play, task, host, status, durationMs: Date.now() - t0, msg: this.mask(msg), ...extra });
  }

  moduleContext(host: Host): ModuleContext {
    return {
      host,
      inventory: this.inv,
      readAsset: this.opts.readAsset,
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
      ...(this.opts.fetchUrl ? { fetchUrl: this.opts.fetchUrl } : {}),
      installs: this.installs(host.name),
    };
  }

  private readonly installsOf = new Map<string, string[]>();

  /** What the run would install on the host (read once per host: moduleContext is asked for every task). */
  private installs(host: string): string[] {
    let list = this.installsOf.get(host);
    if (!list) {
      const select = (tags: string[]) => tagsMatch(tags, this.opts.tags, this.opts.skipTags);
      list = aptInstalls(this.opts.installsFrom ?? this.pb, host, select);
      this.installsOf.set(host, list);
    }
    return list;
  }

  private readonly throttles = new Map<Task, Semaphore>();

  /** The slots of a `throttle: N` task, shared by every host of the run; undefined when not throttled. */
  throttleOf(t: Task): Semaphore | undefined {
    if (t.throttle === undefined) return undefined;
    let s = this.throttles.get(t);
    if (!s) {
      s = new Semaphore(t.throttle);
      this.throttles.set(t, s);
    }
    return s;
  }

  /** The play's tasks that --tags/--skip-tags leave in. */
  selectedTasks(play: Play): Task[] {
    return play.tasks.filter((t) => tagsMatch([...play.tags, ...t.tags], this.opts.tags, this.opts.skipTags));
  }
}

export function tagsMatch(taskTags: string[], only?: string[], skip?: string[]): boolean {
  if (skip?.some((t) => taskTags.includes(t))) return false;
  if (!only || only.length === 0 || only.includes('all')) return true;
  return taskTags.includes('always') || only.some((t) => taskTags.includes(t));
}
