// The ovnkube stand-in of the lab (ovnkube-recorder.sh beside this file's source): where it is, where
// it writes on a host, and a parser for what it wrote.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OvnctlError } from '../errors.js';

/** On a lab host: each start appends its argv, one argument a line, then "---- pid=<pid>". */
export const RECORDER_ARGV_LOG = '/var/log/ovnkube-recorder/argv.log';
/** On a lab host: the pid of the last start. */
export const RECORDER_PIDFILE = '/var/log/ovnkube-recorder/pid';

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
