// The host-side run lock: a run that changes hosts holds `flock` on /run/ovnctl/run.lock on each of them
// for its whole duration, so two runs never interleave their steps on a host. It is held by one
// long-lived command per host whose stdin stays open for the run: the lock goes when that command ends,
// because the run let go or because its connection (or ovnctl itself) died - never a stale lock file.
// Like apt's frontend lock, the loser is told who holds it: the holder writes who it is next to the lock.
// It lives in the runner because the runner owns --check (no lock) and the fact cache (stale after a wait).
import { hostname } from 'node:os';
import type { Connection, ExecResult } from '../connection/types.js';
import { ExitCode, OvnctlError } from '../errors.js';
import { quote } from '../shell/quote.js';

export const LOCK_DIR = '/run/ovnctl';
/** The task name a lock wait or failure is reported under. */
export const RUN_LOCK_TASK = 'run lock';
/** The lock script's exit status when another run held the lock for all of --lock-timeout (EX_TEMPFAIL). */
const HELD_EXIT = 75;
const HOLDER_MAX = 1024;

/** Who holds (or wants) the lock: written on the host, read back by a run that finds it held. */
export interface Holder {
  /** What runs: install, uninstall, run site.yaml. */
  command: string;
  /** When the run started (ISO 8601, UTC). */
  start: string;
  /** The machine running ovnctl. */
  host: string;
  pid: number;
}

export interface RunLockOptions {
  command: string;
  /** --lock-timeout: seconds to wait while another run holds the lock; 0 fails at once. */
  timeoutS: number;
  /** Where the lock lives on each host; tests use a temp dir. */
  dir?: string;
  /** Who this run is; default now, this machine and this process. */
  holder?: Holder;
}

export function thisRun(command: string): Holder {
  return { command, start: new Date().toISOString(), host: hostname(), pid: process.pid };
}

/**
 * Runs that wait are ordered by when they started (then machine and pid): a run waits only for an older
 * one, and fails at once on a host a younger run holds. Two waiting runs that each got some of the same
 * hosts first so never wait for each other until both time out (wound-wait, without the wounding).
 */
export function runOrderKey(h: Holder): string {
  return `${h.start} ${h.host} ${h.pid}`;
}

/** The lock script's last line: waits, in the shell itself, until the caller closes stdin. */
const HOLD_LOOP = 'while read -r _; do :; done';

/**
 * The command that holds the lock: take it (or say who has it, then wait up to timeoutS in slices of at
 * most 5 s, giving up at once when a younger run holds it), write who we are atomically (a loser may read
 * it any time), say `locked`, and keep fd 9 open until stdin ends: the shell's own `read` waits for that,
 * so holding the lock starts no process (it was `exec cat`).
 * bench/tools/count-round-trips.cjs tells this channel from the run's reads by `/run.lock"` and HOLD_LOOP.
 */
export function lockScript(dir: string, timeoutS: number, holder: Holder): string {
  const holderText = `head -c ${HOLDER_MAX} "$d/holder" 2>/dev/null | tr -d '\\n'`;
  const wait = [
    `  me=${quote(runOrderKey(holder))}; end=$(( $(date +%s) + ${quote(timeoutS)} ))`,
    '  while :; do',
    // The holder's order key, as runOrderKey spells it (JSON.stringify keeps the Holder's key order).
    `    k=$(printf '%s\\n' "$h" | ` +
      `sed -n 's/.*"start":"\\([^"]*\\)","host":"\\([^"]*\\)","pid":\\([0-9]*\\)}$/\\1 \\2 \\3/p')`,
    '    if [ -n "$k" ] && [ "$k" != "$me" ] && ' +
      '[ "$(printf \'%s\\n%s\\n\' "$k" "$me" | LC_ALL=C sort | head -n 1)" = "$me" ]; then',
    `      echo younger; exit ${HELD_EXIT}`,
    '    fi',
    '    left=$(( end - $(date +%s) ))',
    `    [ "$left" -gt 0 ] || exit ${HELD_EXIT}`,
    '    [ "$left" -le 5 ] || left=5',
    '    flock -w "$left" 9 && break',
    // Another run may have taken the lock meanwhile: say so, and judge it at the top of the loop.
    `    n=$(${holderText}); [ "$n" = "$h" ] || { h=$n; printf 'held %s\\n' "$h"; }`,
    '  done',
  ];
  return [
    `d=${quote(dir)}`,
    "command -v flock >/dev/null 2>&1 || { echo 'flock not found (util-linux)' >&2; exit 127; }",
    // `[ -d ]` is a builtin: a rerun starts no mkdir (every process counts when 200 hosts share a machine).
    '{ [ -d "$d" ] || mkdir -p "$d"; } && exec 9>>"$d/run.lock" || exit 1',
    'if ! flock -n 9; then',
    `  h=$(${holderText}); printf 'held %s\\n' "$h"`,
    ...(timeoutS > 0 ? wait : [`  exit ${HELD_EXIT}`]),
    'fi',
    `printf '%s\\n' ${quote(JSON.stringify(holder))} >"$d/holder.$$" && mv -f "$d/holder.$$" "$d/holder" || exit 1`,
    'echo locked',
    HOLD_LOOP,
  ].join('\n');
}

/** What the holder file says, put in words; its text came from a host, so it is shown only as plain text. */
export function describeHolder(text: string): string {
  const raw = text.trim();
  if (raw === '') return 'another run (it has not written who it is yet)';
  try {
    const h = JSON.parse(raw) as Partial<Holder>;
    if (typeof h.command === 'string' && typeof h.start === 'string' && typeof h.host === 'string') {
      return `ovnctl ${clean(h.command)} (pid ${clean(String(h.pid))} on ${clean(h.host)}, started ${clean(h.start)})`;
    }
  } catch {
    // not ours, or cut short: shown as it is
  }
  return `"${clean(raw)}"`;
}

/** No control characters (a terminal must not obey a host's file), and bounded. */
function clean(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  const one = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return one.length > 200 ? `${one.slice(0, 200)}…` : one;
}

/** The host's lock for one run: asked for at once, awaited by the runner before the host's first task. */
export class HostRunLock {
  /** Where the lock is on the host. */
  readonly path: string;
  readonly #release = new AbortController();
  readonly #acquired: Promise<{ waited: boolean }>;
  #holder?: string;
  /** The host's lock is held by a run that started after this one, which this run does not wait for. */
  #younger = false;
  #locked = false;
  #lost?: string;
  #onWait?: (msg: string) => void;

  constructor(
    conn: Connection,
    readonly hostName: string,
    readonly opts: RunLockOptions,
    holder: Holder,
  ) {
    const dir = opts.dir ?? LOCK_DIR;
    this.path = `${dir}/run.lock`;
    this.#acquired = new Promise((resolve, reject) => {
      conn
        .exec(lockScript(dir, opts.timeoutS, holder), {
          display: `flock ${this.path}`,
          holdStdin: this.#release.signal,
          onOutput: (line, stream) => {
            if (stream !== 'stdout') return;
            if (line.startsWith('held ')) {
              this.#holder = describeHolder(line.slice(5));
              if (opts.timeoutS > 0) this.#onWait?.(this.#waitText());
            } else if (line === 'younger') {
              this.#younger = true;
            } else if (line === 'locked') {
              this.#locked = true;
              resolve({ waited: this.#holder !== undefined });
            }
          },
        })
        .then(
          (res) => (this.#locked ? this.#ended(`the lock command ended (${exitText(res)})`) : reject(this.#error(res))),
          (e: unknown) => (this.#locked ? this.#ended(String((e as Error).message ?? e)) : reject(e)),
        );
    });
    // Nobody awaits it when the host leaves the run first (unreachable in a later play, Ctrl-C).
    this.#acquired.catch(() => undefined);
  }

  /**
   * Resolves once this run holds the lock; `waited`: another run held it first, so what was read before is
   * stale. Rejects (exit 2 for the host) when it stays held past --lock-timeout or cannot be taken.
   */
  acquire(onWait: (msg: string) => void): Promise<{ waited: boolean }> {
    this.#onWait = onWait;
    if (this.#holder !== undefined && !this.#locked && this.opts.timeoutS > 0) onWait(this.#waitText());
    return this.#acquired;
  }

  /** Why the lock was lost while this run held it (its command ended), if it was. */
  get lost(): string | undefined {
    return this.#lost;
  }

  /** Let go: the command's stdin ends, `cat` exits, the kernel drops the lock. */
  release(): void {
    this.#release.abort();
  }

  #ended(why: string): void {
    if (!this.#release.signal.aborted) this.#lost = why;
  }

  #waitText(): string {
    return `waiting for the run lock held by ${this.#holder}, up to ${this.opts.timeoutS} s (--lock-timeout)`;
  }

  #error(res: ExecResult): OvnctlError {
    if (res.exitCode === HELD_EXIT && this.#holder !== undefined && this.#younger) {
      return new OvnctlError(
        `the run lock ${this.path} on ${this.hostName} is held by ${this.#holder}, which started after this ` +
          'run; a run does not wait for a younger one (two runs could each wait for the hosts the other ' +
          'holds): rerun when it is done',
        ExitCode.hostFailed,
      );
    }
    if (res.exitCode === HELD_EXIT && this.#holder !== undefined) {
      const then =
        this.opts.timeoutS > 0
          ? `still held after ${this.opts.timeoutS} s (--lock-timeout)`
          : 'wait for it with --lock-timeout SECONDS';
      return new OvnctlError(
        `the run lock ${this.path} on ${this.hostName} is held by ${this.#holder}; ${then}`,
        ExitCode.hostFailed,
      );
    }
    const why = (res.stderr || res.stdout).trim().split('\n').slice(-3).join('; ');
    return new OvnctlError(
      `cannot take the run lock ${this.path} on ${this.hostName} (${exitText(res)}): ${why}`,
      ExitCode.hostFailed,
    );
  }
}

function exitText(res: ExecResult): string {
  return res.exitCode !== null ? `exit ${res.exitCode}` : (res.signal ?? 'no exit status');
}
