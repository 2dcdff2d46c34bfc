// One lab command at a time changes a lab's state: an flock on the lab's directory. This process
// opens the directory and flock(1) locks that open file (its fd 3 is ours), so the lock stays with
// our descriptor once flock exits, and goes when we close it — or when this process dies: a crash
// never leaves a stale lock, and no lock file is made.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { OvnctlError } from '../errors.js';
import { labEnv } from './exec.js';

const BUSY_EXIT = 75;

/** Run `work` while holding the lab's lock; waits up to `timeoutS` for another lab command to finish. */
export async function withLabLock<T>(dir: string, work: () => Promise<T>, timeoutS = 300): Promise<T> {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (e) {
    throw new OvnctlError(`could not lock the lab in ${dir}: ${(e as Error).message}`);
  }
  try {
    await lock(dir, fd, timeoutS);
    return await work();
  } finally {
    closeSync(fd);
  }
}

function lock(dir: string, fd: number, timeoutS: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['--exclusive', '--timeout', String(timeoutS), '--conflict-exit-code', String(BUSY_EXIT), '3'];
    const child = spawn('flock', args, { stdio: ['ignore', 'ignore', 'pipe', fd], env: labEnv() });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', (e) => reject(new OvnctlError(`could not lock the lab in ${dir}: flock: ${e.message}`)));
    child.once('close', (code) => {
      if (code === 0) resolve();
      else if (code === BUSY_EXIT)
        reject(new OvnctlError(`the lab in ${dir} is busy: another ovnctl lab command has held it for ${timeoutS}s`));
      else reject(new OvnctlError(`could not lock the lab in ${dir} (flock exit ${code}): ${stderr.trim()}`));
    });
  });
}
