// Processes the lab started, known by pid AND start time so a reused pid is never signalled.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { OvnctlError } from '../errors.js';
import { labEnv } from './exec.js';

interface ProcStat {
  state: string;
  ppid: number;
  startTime: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], ppid: Number(rest[1]), startTime: Number(rest[19]) };
}

/** The process's start time (clock ticks since boot), or undefined when it does not exist. */
export function processStartTime(pid: number): number | undefined {
  return readStat(pid)?.startTime;
}

/** True while the process the lab started (pid + start time) runs; a zombie counts as gone. */
export function isRunning(pid: number | undefined, startTime: number | undefined): boolean {
  if (!pid) return false;
  const st = readStat(pid);
  return (
    st !== undefined && st.state !== 'Z' && st.state !== 'X' && (startTime === undefined || st.startTime === startTime)
  );
}

/** The first child of a process (the unshare process's child is the host's pid 1). */
export function firstChild(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    if (children.length > 0) return Number(children[0]);
  } catch {
    // no /proc/PID/task/PID/children (CONFIG_PROC_CHILDREN off) or gone
  }
  return undefined;
}

/** Signal a process the lab started; false when it is gone (or the pid now names another process). */
export function signalProcess(pid: number, startTime: number | undefined, signal: NodeJS.Signals): boolean {
  if (!isRunning(pid, startTime)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Wait until none of the processes runs; returns those still running at the deadline. */
export async function waitGone(
  procs: readonly { pid: number; startTime?: number }[],
  timeoutMs: number,
): Promise<{ pid: number; startTime?: number }[]> {
  const deadline = Date.now() + timeoutMs;
  let left = procs.filter((p) => isRunning(p.pid, p.startTime));
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(20);
    left = left.filter((p) => isRunning(p.pid, p.startTime));
  }
  return left;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Start a process that outlives this one (own session, output appended to `log`); returns its pid and
 * start time at once, so the caller journals it before anything else can fail.
 */
export function spawnDetached(file: string, args: readonly string[], log: string): { pid: number; startTime: number } {
  const out = openSync(log, 'a');
  try {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', out, out], env: labEnv() });
    child.on('error', () => undefined); // ENOENT and the like: no pid, reported below
    child.unref();
    const startTime = child.pid ? processStartTime(child.pid) : undefined;
    if (!child.pid || startTime === undefined)
      throw new OvnctlError(`could not start ${file} ${args[0] ?? ''}: see ${log}`);
    return { pid: child.pid, startTime };
  } finally {
    closeSync(out);
  }
}
