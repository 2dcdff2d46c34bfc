// The ovnkube stand-in of the lab (ovnkube-recorder.sh beside this file's source: it parses flags and
// writes external_ids as the guide's 2018 ovnkube does): where it is, where it writes on a host, and
// parsers for what it wrote.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OvnctlError } from '../errors.js';

/** On a lab host: each start appends its argv, one argument a line, then "---- pid=<pid>". */
export const RECORDER_ARGV_LOG = '/var/log/ovnkube-recorder/argv.log';
/** On a lab host: the pid of the last start that runs. */
export const RECORDER_PIDFILE = '/var/log/ovnkube-recorder/pid';
/**
 * On a lab host: each start that exited (a command line the 2018 ovnkube refuses, a node name that does
 * not resolve, …) appends its argv (-k8s-token's value hidden), then "---- pid=<pid> exit=<code>: <error>".
 */
export const RECORDER_REJECTED_LOG = '/var/log/ovnkube-recorder/rejected.log';
/** The environment variable that moves argv.log, pid and rejected.log elsewhere (tests run it locally). */
export const RECORDER_DIR_ENV = 'OVNKUBE_STANDIN_DIR';

/** The recorder script shipped with ovnctl: src/lab/ in the package, found from src/lab/ and dist/lab/ alike. */
export function recorderScriptPath(): string {
  const p = fileURLToPath(new URL('../../src/lab/ovnkube-recorder.sh', import.meta.url));
  if (!existsSync(p)) {
    throw new OvnctlError(`the lab's ovnkube stand-in ${p} is missing from this ovnctl install`);
  }
  return p;
}

export interface RecordedStart {
  pid: number;
  argv: string[];
}

/** Parse argv.log into one entry per start, oldest first. */
export function parseRecorderLog(text: string): RecordedStart[] {
  const starts: RecordedStart[] = [];
  let argv: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^---- pid=(\d+)$/.exec(line);
    if (m) {
      starts.push({ pid: Number(m[1]), argv });
      argv = [];
    } else if (line !== '' || argv.length > 0) {
      argv.push(line);
    }
  }
  return starts;
}

export interface RejectedStart extends RecordedStart {
  exitCode: number;
  /** The error, as the real ovnkube words it. */
  error: string;
}

/** Parse rejected.log into one entry per start that exited, oldest first. */
export function parseRejectedLog(text: string): RejectedStart[] {
  const starts: RejectedStart[] = [];
  let argv: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^---- pid=(\d+) exit=(\d+): (.*)$/.exec(line);
    if (m) {
      starts.push({ pid: Number(m[1]), argv, exitCode: Number(m[2]), error: m[3] });
      argv = [];
    } else if (line !== '' || argv.length > 0) {
      argv.push(line);
    }
  }
  return starts;
}
