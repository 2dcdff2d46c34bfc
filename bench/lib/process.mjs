// Running the measured programs: a clean environment (nothing of this machine's login shell, e.g.
// a pyenv python3 first in PATH), GNU time for the peak RSS, wall time from spawn to exit.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** The measured programs running now, and whether the bench is stopping (stopChildren). */
const running = new Set();
let stopping = false;

/**
 * On Ctrl-C: end the running programs (GNU time passes the signal on) and refuse new ones, so the
 * bench's next step (a converge rerun, say) does not start against labs being taken down.
 */
export function stopChildren(signal = 'SIGTERM') {
  stopping = true;
  for (const child of running) child.kill(signal);
}

/** spawn, unless the bench is stopping; the child is ended by stopChildren. */
function track(cmd, args, opts) {
  if (stopping) throw new Error(`not starting ${cmd}: the bench is stopping`);
  const child = spawn(cmd, args, opts);
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

export function cleanEnv() {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    USER: process.env.USER ?? 'root',
    LOGNAME: process.env.LOGNAME ?? 'root',
  };
}

/**
 * Run cmd under /usr/bin/time; stdout goes to `out` (or `log`), stderr to `log`. Resolves
 * {ms, rc, peakRssKb}: peakRssKb is the largest resident set of the process or any child it waited for.
 */
export function timed(cmd, args, { env, log, out, cwd } = {}) {
  const rssFile = `${log ?? '/tmp/bench'}.rss`;
  if (stopping) return Promise.reject(new Error(`not starting ${cmd}: the bench is stopping`));
  const logFd = log ? openSync(log, 'w') : 'ignore';
  const outFd = out ? openSync(out, 'w') : logFd;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = track('/usr/bin/time', ['-f', '%M', '-o', rssFile, cmd, ...args], {
      env,
      cwd,
      stdio: ['ignore', outFd, logFd],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const ms = performance.now() - t0;
      for (const fd of new Set([logFd, outFd])) if (typeof fd === 'number') closeSync(fd);
      let peakRssKb = null;
      try {
        // GNU time writes "Command exited with non-zero status N" before the figure on failure.
        peakRssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
        rmSync(rssFile, { force: true });
      } catch {
        // no figure (killed)
      }
      resolve({ ms, rc: code ?? (signal ? 128 : 1), peakRssKb });
    });
  });
}

/** Run cmd without a wrapper; resolves {ms, rc}. */
export function wall(cmd, args, { env } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = track(cmd, args, { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ ms: performance.now() - t0, rc: code ?? 1 }));
  });
}
