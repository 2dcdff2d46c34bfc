// Runs scripts with the local `sh -c`, with SshConnection's result semantics: lets the runner and
// operations be tested end to end without sshd.
import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { ExitCode, OvnctlError } from '../errors.js';
import { buildResult, explainSudo, signalName, splitLines, whenAborted } from './result.js';
import type { Connection, ExecOptions, ExecResult, OutputListener } from './types.js';

export interface LocalOptions {
  /** Run every script through `sudo -n`, like a host with become: true. */
  become?: boolean;
  /** Default per-command timeout; 0 = none. */
  commandTimeoutMs?: number;
}

export class LocalConnection implements Connection {
  #open = 0;
  #peak = 0;
  #closed = false;
  /** Closing lets go of held stdins, as a closed ssh connection ends its channels. */
  readonly #closing = new AbortController();

  constructor(
    readonly hostName = 'localhost',
    readonly opts: LocalOptions = {},
  ) {}

  get peakChannels(): number {
    return this.#peak;
  }

  async connect(): Promise<void> {}

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.#closed)
      throw new OvnctlError(`connection to ${this.hostName} lost: the connection was closed`, ExitCode.hostFailed);
    const become = this.opts.become === true;
    const [file, args] = become ? ['sudo', ['-n', 'sh', '-c', script]] : ['sh', ['-c', script]];
    const timeoutMs = opts.holdStdin ? 0 : (opts.timeoutMs ?? this.opts.commandTimeoutMs ?? 0);
    const startedAt = performance.now();
    this.#open++;
    this.#peak = Math.max(this.#peak, this.#open);
    try {
      const res = await run(file, args, {
        command: opts.display ?? script,
        stdin: opts.stdin,
        timeoutMs,
        startedAt,
        onOutput: opts.onOutput,
        holdStdin: opts.holdStdin && AbortSignal.any([opts.holdStdin, this.#closing.signal]),
      });
      return become ? explainSudo(res, this.hostName, userInfo().username) : res;
    } finally {
      this.#open--;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
  }
}

function run(
  file: string,
  args: string[],
  o: {
    command: string;
    stdin?: Buffer | string;
    timeoutMs: number;
    startedAt: number;
    onOutput?: OutputListener;
    holdStdin?: AbortSignal;
  },
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    // Own process group, so a timeout kills the script's children too.
    const child = spawn(file, args, { stdio: 'pipe', detached: true });
    let timer: NodeJS.Timeout | undefined;
    if (o.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, o.timeoutMs);
    }
    const outLines = splitLines('stdout', o.onOutput);
    const errLines = splitLines('stderr', o.onOutput);
    child.stdout.on('data', (d: Buffer) => {
      stdout.push(d);
      outLines.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr.push(d);
      errLines.push(d);
    });
    child.stdin.on('error', () => undefined); // EPIPE when the script exits without reading stdin
    child.on('error', (err) => {
      stderr.push(Buffer.from(`${file}: ${err.message}\n`));
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      outLines.end();
      errLines.end();
      resolve(
        buildResult({
          command: o.command,
          exitCode: code,
          signal: signalName(sig),
          stdout,
          stderr,
          startedAt: o.startedAt,
          timedOut,
        }),
      );
    });
    if (o.holdStdin) {
      if (o.stdin !== undefined) child.stdin.write(o.stdin);
      whenAborted(o.holdStdin, () => child.stdin.end());
    } else child.stdin.end(o.stdin);
  });
}
