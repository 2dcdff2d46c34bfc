// One ssh2 Client per host for the whole run; each exec is a channel on it.
// ssh2's sharp edges handled here: hostVerifier always set, < MaxSessions channels at once,
// both output streams drained, a missing exit status is a failure, keepalive on,
// and exec() on a dead socket (which throws synchronously) turned into a "connection lost" error.
import ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import { ExitCode, type HostKeyError, OvnctlError, UnreachableError } from '../errors.js';
import type { Host } from '../inventory/types.js';
import { type AuthDeps, defaultAuthDeps, resolveAuth, type Auth } from './auth.js';
import { type HostKeyTarget, preferKnownHostKeyAlgorithms, verifyHostKey } from './host-key.js';
import { knownKeyTypes } from './known-hosts.js';
import { buildResult, explainSudo, signalName, splitLines, whenAborted, wrapScript } from './result.js';
import { Semaphore } from './semaphore.js';
import type { Connection, ExecOptions, ExecResult, OutputListener } from './types.js';

/** OpenSSH's MaxSessions defaults to 10; stay below it with room for a late server-side close. */
export const MAX_CHANNELS = 8;
/**
 * SSH handshakes in flight at once over every host of the process: 200 key exchanges started together
 * on a saturated machine outlast the connect timeout (seen at 101 hosts), as OpenSSH's MaxStartups paces
 * them on the server side. The wait for a slot does not count against connectTimeout.
 */
export const MAX_HANDSHAKES = 32;
const handshakes = new Semaphore(MAX_HANDSHAKES);
/** A handshake that timed out is tried this many times in all before the host is unreachable. */
export const CONNECT_TRIES = 2;
const KEEPALIVE_INTERVAL_MS = 5_000;
/**
 * ssh2's keepalive settings for ssh.keepaliveTimeout: a keepalive every 5 s, and the host is lost at the
 * tick that finds `count` of them unanswered, `timeoutMs` after the last answer. (A loaded machine of
 * 201 lab hosts left idle connections unanswered for over 15 s, the old fixed budget.)
 */
function keepaliveSettings(timeoutMs: number): { keepaliveInterval: number; keepaliveCountMax: number } {
  if (timeoutMs <= 0) return { keepaliveInterval: 0, keepaliveCountMax: 0 };
  return {
    keepaliveInterval: KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: Math.max(1, Math.round(timeoutMs / KEEPALIVE_INTERVAL_MS) - 1),
  };
}
const CLOSE_WAIT_MS = 2_000;
/** After a timeout the channel close may never arrive on a wedged link; free the slot anyway. */
const TIMED_OUT_SLOT_GRACE_MS = 5_000;
/** Channel-open refusals are retried after 100, 200, 400, 800, 1600 ms (about 3 s in all). */
const OPEN_RETRIES = 5;
/** SSH channel-open failure reasons: administratively prohibited, connect failed, resource shortage. */
const RETRYABLE_OPEN_FAILURES = new Set([1, 2, 4]);

export interface SshOptions {
  /** Passphrase sources; defaults to process.env and a prompt only when stdin is a TTY. */
  auth?: Partial<AuthDeps>;
}

/** The exit status of a channel, recorded from the moment it opens. */
interface ExitRecord {
  got: boolean;
  code?: number | null;
  sig?: string;
}

export class SshConnection implements Connection {
  readonly hostName: string;
  #client?: ssh2.Client;
  #connecting?: Promise<void>;
  #closing?: Promise<void>;
  #socketClosed = false;
  #ready = false;
  /** Why the connection is gone, once it is; exec() then fails instead of hanging. */
  #lost?: string;
  readonly #slots = new Semaphore(MAX_CHANNELS);
  #open = 0;
  #peak = 0;
  readonly #authDeps: AuthDeps;

  constructor(
    readonly host: Host,
    opts: SshOptions = {},
  ) {
    this.hostName = host.name;
    this.#authDeps = { ...defaultAuthDeps(), ...opts.auth };
  }

  get peakChannels(): number {
    return this.#peak;
  }

  /** Handshakes that timed out and were tried again (instrumentation, and what the warning says). */
  retries = 0;

  connect(): Promise<void> {
    this.#connecting ??= this.#dialWithRetry();
    return this.#connecting;
  }

  async #dialWithRetry(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.#timedOut = false;
      try {
        await handshakes.use(() => this.#dial(attempt));
        return;
      } catch (e) {
        if (!this.#timedOut || attempt >= CONNECT_TRIES || this.#closing) throw e;
        this.retries++;
      }
    }
  }

  /** The last handshake failed by timing out (worth another try), not by a refusal or a wrong key. */
  #timedOut = false;

  async #dial(attempt: number): Promise<void> {
    const { ssh } = this.host;
    const auth = await resolveAuth(this.host, this.#authDeps);
    const target: HostKeyTarget = {
      hostName: this.hostName,
      address: this.host.address,
      port: ssh.port,
      knownHosts: ssh.knownHosts,
      policy: ssh.hostKeyChecking,
    };
    const known =
      ssh.hostKeyChecking === 'off'
        ? []
        : await knownKeyTypes(ssh.knownHosts, this.host.address, ssh.port).catch(() => []);
    if (this.#closing) throw new UnreachableError(`${this.hostName}: the connection was closed before it was made`);
    const client = new ssh2.Client();
    this.#client = client;
    // What a timed-out earlier try left behind is not this connection's state.
    this.#socketClosed = false;
    this.#lost = undefined;
    let hostKeyError: HostKeyError | null = null;
    let settled = false;

    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error & { level?: string; code?: string }) => {
        if (settled) return;
        settled = true;
        this.#timedOut = hostKeyError === null && isTimeout(err);
        reject(hostKeyError ?? this.#connectError(err, auth, attempt));
        client.destroy();
      };
      // ssh2 emits 'error' for socket, handshake, auth and keepalive failures; without a listener
      // Node would crash the process, so this one stays for the client's whole life.
      // A client of an earlier, timed-out try may still close: it no longer speaks for this connection.
      const current = () => this.#client === client;
      client.on('error', (err: Error & { level?: string }) => {
        if (!settled) fail(err);
        else if (!current()) return;
        else if (err.level === 'client-timeout')
          this.#lost ??= `no answer to keepalives for ${ssh.keepaliveTimeoutMs / 1000} s (ssh.keepaliveTimeout)`;
        else this.#lost ??= err.message;
      });
      client.on('end', () => {
        if (current()) this.#lost ??= 'the server closed the connection';
      });
      client.on('close', () => {
        if (current()) {
          this.#socketClosed = true;
          this.#lost ??= 'the connection closed';
        }
        fail(new Error('connection closed during the handshake'));
      });
      client.once('ready', () => {
        if (settled) return;
        settled = true;
        this.#ready = true;
        resolve();
      });
      const config: ConnectConfig = {
        host: this.host.address,
        port: ssh.port,
        username: ssh.user,
        readyTimeout: ssh.connectTimeoutMs,
        ...keepaliveSettings(ssh.keepaliveTimeoutMs),
        authHandler: [auth.method],
        // Without a verifier ssh2 accepts every key. Async form: ssh2 waits for verify().
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          void verifyHostKey(target, key).then((err) => {
            hostKeyError = err;
            verify(err === null);
          });
        },
      };
      if (known.length > 0) config.algorithms = { serverHostKey: preferKnownHostKeyAlgorithms(known) };
      try {
        client.connect(config);
        // Nagle + the server's delayed ACK held every exec after the first for ~40 ms (measured: 48 vs
        // 19 ms per `true`): SSH writes small packets and waits for their answers, so send them at once.
        client.setNoDelay(true);
      } catch (err) {
        fail(err as Error);
      }
    });
  }

  #connectError(err: Error & { level?: string; code?: string }, auth: Auth, attempt: number): UnreachableError {
    const { ssh } = this.host;
    const where = `${this.hostName} (${ssh.user}@${this.host.address}:${ssh.port})`;
    let cause: string;
    if (err.level === 'client-authentication') cause = `authentication failed (${auth.describe})`;
    else if (isTimeout(err))
      cause = `timed out after ${ssh.connectTimeoutMs} ms${attempt > 1 ? ` (tried ${attempt} times)` : ''}`;
    else if (err.code === 'ECONNREFUSED') cause = 'connection refused';
    else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') cause = `cannot resolve ${this.host.address}`;
    else if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') cause = 'no route to host';
    else if (err.code === 'ECONNRESET')
      cause = 'connection reset during the handshake (sshd MaxStartups or a firewall?)';
    else cause = err.message;
    return new UnreachableError(`${where}: ${cause}`.replace(/\s*\n\s*/g, ' '));
  }

  #lostError(detail?: string): OvnctlError {
    return new OvnctlError(
      `connection to ${this.hostName} lost: ${this.#lost ?? detail ?? 'the connection is gone'}`,
      ExitCode.hostFailed,
    );
  }

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    await this.connect();
    if (this.#lost) throw this.#lostError();
    const timeoutMs = opts.holdStdin ? 0 : (opts.timeoutMs ?? this.host.ssh.commandTimeoutMs);
    await this.#slots.acquire();
    let held = true;
    const release = () => {
      if (held) {
        held = false;
        this.#slots.release();
      }
    };
    try {
      const startedAt = performance.now();
      const { channel, exit } = await this.#openExec(wrapScript(script, this.host.become, timeoutMs));
      const res = await this.#collect(channel, exit, {
        command: opts.display ?? script,
        startedAt,
        timeoutMs,
        stdin: opts.stdin,
        release,
        onOutput: opts.onOutput,
        holdStdin: opts.holdStdin,
      });
      return this.host.become ? explainSudo(res, this.hostName, this.host.ssh.user) : res;
    } catch (err) {
      release();
      throw err;
    }
  }

  async #openExec(wire: string): Promise<{ channel: ClientChannel; exit: ExitRecord }> {
    for (let attempt = 0; ; attempt++) {
      const client = this.#client;
      if (this.#lost || !client) throw this.#lostError();
      try {
        return await new Promise((resolve, reject) => {
          // Throws synchronously ("Not connected") when the socket is already gone.
          client.exec(wire, (err, ch) => {
            if (err) return reject(err);
            // ssh2 may emit 'exit' in this same tick for a fast command: listen before anything awaits.
            const exit: ExitRecord = { got: false };
            ch.once('exit', (code: number | null, sig?: string) => Object.assign(exit, { got: true, code, sig }));
            resolve({ channel: ch, exit });
          });
        });
      } catch (e) {
        const err = e as Error & { reason?: number };
        if (this.#lost || /Not connected|No response from server/.test(err.message)) throw this.#lostError(err.message);
        // Over MaxSessions OpenSSH answers "open failed" (reason 2, connect failed); it can still
        // count a session whose close we already saw, or share the limit with another client.
        if (RETRYABLE_OPEN_FAILURES.has(err.reason ?? -1) && attempt < OPEN_RETRIES) {
          await sleep(100 * 2 ** attempt);
          continue;
        }
        throw new OvnctlError(`${this.hostName}: cannot open an exec channel: ${err.message}`, ExitCode.hostFailed);
      }
    }
  }

  #collect(
    ch: ClientChannel,
    exit: ExitRecord,
    o: {
      command: string;
      startedAt: number;
      timeoutMs: number;
      stdin?: Buffer | string;
      release: () => void;
      onOutput?: OutputListener;
      holdStdin?: AbortSignal;
    },
  ): Promise<ExecResult> {
    this.#open++;
    this.#peak = Math.max(this.#peak, this.#open);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let exitCode: number | null = null;
    let signal: string | undefined;
    let timedOut = false;
    let settled = false;
    const result = () =>
      buildResult({ command: o.command, exitCode, signal, stdout, stderr, startedAt: o.startedAt, timedOut });

    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const outLines = splitLines('stdout', o.onOutput);
      const errLines = splitLines('stderr', o.onOutput);
      const endLines = () => {
        outLines.end();
        errLines.end();
      };
      // Both streams must be read, or the channel never emits 'close'.
      ch.on('data', (d: Buffer) => {
        stdout.push(d);
        outLines.push(d);
      });
      ch.stderr.on('data', (d: Buffer) => {
        stderr.push(d);
        errLines.push(d);
      });
      ch.on('error', () => undefined); // surfaces as a missing exit status or a lost connection
      ch.on('close', () => {
        this.#open--;
        clearTimeout(timer);
        o.release();
        endLines();
        if (settled) return;
        settled = true;
        if (exit.got) {
          if (typeof exit.code === 'number') exitCode = exit.code;
          else signal = signalName(exit.sig);
          return resolve(result());
        }
        // ssh2 marks the client gone in the same tick it closes the channels: decide after it.
        setImmediate(() => (this.#lost ? reject(this.#lostError()) : resolve(result())));
      });
      if (o.timeoutMs > 0) {
        timer = setTimeout(() => {
          if (settled) return;
          settled = timedOut = true;
          exitCode = null;
          endLines();
          try {
            ch.close();
          } catch {
            // the channel or socket is already gone
          }
          setTimeout(o.release, TIMED_OUT_SLOT_GRACE_MS).unref();
          resolve(result());
        }, o.timeoutMs);
      }
      // EOF on stdin either way, so a command that reads stdin does not wait forever - a held one once it is let go.
      if (o.holdStdin) {
        if (o.stdin !== undefined) ch.write(o.stdin);
        whenAborted(o.holdStdin, () => {
          try {
            ch.end();
          } catch {
            // the channel or socket is already gone
          }
        });
      } else if (o.stdin !== undefined) ch.end(o.stdin);
      else ch.end();
    });
  }

  async close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    // Still dialing (Ctrl-C while a host does not answer): drop the socket now, do not wait out connectTimeout.
    if (this.#connecting && !this.#ready) this.#client?.destroy();
    await this.#connecting?.catch(() => undefined);
    this.#lost ??= 'the connection was closed';
    const client = this.#client;
    if (!client || this.#socketClosed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.destroy();
        resolve();
      }, CLOSE_WAIT_MS);
      client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      client.end();
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function isTimeout(err: { level?: string; code?: string }): boolean {
  return err.level === 'client-timeout' || err.code === 'ETIMEDOUT';
}
