// Runs the built CLI as a user would (`node bin/ovnctl.js ...`), and reads its --json events.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/ovnctl.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function ovnctl(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, NO_COLOR: '1', ...opts.env }, maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 600_000 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface TaskEvent {
  type: 'task';
  play: string;
  task: string;
  host: string;
  status: 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';
  durationMs: number;
  msg: string;
}
export interface RecapEvent {
  type: 'recap';
  hosts: Record<string, { ok: number; changed: number; failed: number; skipped: number; unreachable: number }>;
  durationMs: number;
}

/** Parse NDJSON stdout; every line must be JSON, and exactly one recap comes last. */
export function parseEvents(stdout: string): { tasks: TaskEvent[]; recap: RecapEvent } {
  const events = stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string });
  const recaps = events.filter((e) => e.type === 'recap');
  if (recaps.length !== 1 || events[events.length - 1].type !== 'recap')
    throw new Error(`expected exactly one recap, last; got ${recaps.length}`);
  return { tasks: events.filter((e): e is TaskEvent => e.type === 'task'), recap: recaps[0] as RecapEvent };
}
