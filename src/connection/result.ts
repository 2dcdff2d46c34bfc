// What ssh.ts and local.ts share: how a script is wrapped for the remote shell, and how the
// ExecResult is built, so both connections answer with the same semantics.
import { StringDecoder } from 'node:string_decoder';
import type { ExecResult, OutputListener } from './types.js';
import { quote } from '../shell/quote.js';

/**
 * The text handed to the login shell. `sh -c` pins POSIX sh whatever the login shell is (bash, zsh,
 * dash); the single-quoted script survives any of them byte-exact. become → `sudo -n` (never prompts).
 *
 * With a timeout, the remote side gets a backstop: closing the channel does not stop the command,
 * and sshd refuses "signal" requests for root sessions (no post-auth privsep), so coreutils/busybox
 * `timeout` kills the command's whole process group a second after we stop waiting for it.
 */
export function wrapScript(script: string, become: boolean, timeoutMs = 0): string {
  let inner = script;
  if (timeoutMs > 0) {
    const run = `sh -c ${quote(script)}`;
    const secs = Math.ceil(timeoutMs / 1000) + 1;
    inner = `if command -v timeout >/dev/null 2>&1; then exec timeout -s KILL ${secs} ${run}; else exec ${run}; fi`;
  }
  return `${become ? 'sudo -n ' : ''}sh -c ${quote(inner)}`;
}

/** Runs `fn` once the signal aborts (at once if it has): when a held stdin is let go. */
export function whenAborted(signal: AbortSignal, fn: () => void): void {
  if (signal.aborted) fn();
  else signal.addEventListener('abort', fn, { once: true });
}

export interface RawOutcome {
  command: string;
  exitCode: number | null;
  signal?: string;
  stdout: Buffer[];
  stderr: Buffer[];
  startedAt: number;
  timedOut: boolean;
}

export function buildResult(o: RawOutcome): ExecResult {
  const res: ExecResult = {
    command: o.command,
    exitCode: o.exitCode,
    stdout: Buffer.concat(o.stdout).toString('utf8'),
    stderr: Buffer.concat(o.stderr).toString('utf8'),
    durationMs: Math.round(performance.now() - o.startedAt),
    failed: o.exitCode !== 0 || o.timedOut,
    timedOut: o.timedOut,
  };
  if (o.signal !== undefined) res.signal = o.signal;
  return res;
}

/**
 * With become, sudo's own refusals read like a failing command. Put the cause and the fix first in
 * stderr so the recap line says what to do.
 */
export function explainSudo(res: ExecResult, hostName: string, user: string): ExecResult {
  let hint: string | undefined;
  if (res.exitCode === 1 && /^sudo: (a password is required|a terminal is required)/m.test(res.stderr)) {
    hint = `sudo on ${hostName} wants a password; ovnctl runs sudo -n: allow NOPASSWD for ${user} or connect as root`;
  } else if (res.exitCode === 127 && /sudo: (command )?not found/.test(res.stderr)) {
    hint = `sudo is not installed on ${hostName}; install it or connect as root (become: false)`;
  }
  return hint ? { ...res, stderr: `${hint}\n${res.stderr}` } : res;
}

/** ssh2 and Node name signals as `SIGTERM`; keep that form whatever the source said. */
export function signalName(sig: string | undefined | null): string | undefined {
  if (!sig) return undefined;
  return sig.startsWith('SIG') ? sig : `SIG${sig}`;
}

export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Flush the last line that had no end; later pushes are ignored. */
  end(): void;
}

/**
 * Cuts one output stream into lines for ExecOptions.onOutput. UTF-8 characters split across chunks are
 * kept whole; `\r` ends a line too, since progress output (apt, dpkg) rewrites one line with it.
 */
export function splitLines(stream: 'stdout' | 'stderr', listener: OutputListener | undefined): LineSplitter {
  if (!listener) return { push: () => undefined, end: () => undefined };
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let ended = false;
  // A \r\n split across two chunks is one line end, not two.
  let afterCR = false;
  const emit = (line: string) => {
    try {
      listener(line, stream);
    } catch {
      // a listener's bug must not break the command's result
    }
  };
  return {
    push(chunk) {
      if (ended) return;
      let text = decoder.write(chunk);
      if (text === '') return; // inside a multi-byte character
      if (afterCR && text.startsWith('\n')) text = text.slice(1);
      afterCR = text.endsWith('\r');
      const parts = (partial + text).split(/\r\n|\n|\r/);
      partial = parts.pop() ?? '';
      parts.forEach(emit);
    },
    end() {
      if (ended) return;
      ended = true;
      const last = partial + decoder.end();
      if (last !== '') emit(last);
    },
  };
}
