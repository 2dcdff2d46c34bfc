// Local commands for the lab, run by argv (no shell): the project's one result type (ExecResult), and
// one error that says what failed and how.
import { spawn } from 'node:child_process';
import { buildResult, signalName } from '../connection/result.js';
import type { ExecResult } from '../connection/types.js';
import { OvnctlError } from '../errors.js';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolve with the result instead of throwing when the command fails. */
  allowFailure?: boolean;
  /** Kill the command (SIGKILL) after this long. */
  timeoutMs?: number;
}

/** Run argv (no shell) and capture its output; throws OvnctlError unless allowFailure. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  const command = argv.join(' ');
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: labEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new OvnctlError(e.code === 'ENOENT' ? `${file}: command not found` : `${command}: ${e.message}`));
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const result = buildResult({
        command,
        exitCode,
        signal: signalName(signal),
        stdout: out,
        stderr: err,
        startedAt,
        timedOut,
      });
      if (!result.failed || opts.allowFailure) resolve(result);
      else reject(new OvnctlError(describeFailure(result)));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end();
  });
}

/** The environment for lab commands: C locale, and the sbin directories in PATH. */
export function labEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const path = [process.env.PATH ?? '', '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin']
    .filter(Boolean)
    .join(':');
  return { ...process.env, PATH: path, LC_ALL: 'C', ...extra };
}

export function describeFailure(r: ExecResult): string {
  const how = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`;
  const detail = tail(r.stderr.trim() || r.stdout.trim(), 15);
  return `${r.command} failed (${how})${detail ? `:\n${detail}` : ''}`;
}

/** The last n lines of a text. */
export function tail(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n');
}
