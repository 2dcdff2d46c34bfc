// The ovnkube launcher. Its argv is kept in a root-only 0600 file that a small launcher script reads
// and execs, so the token never travels in a command line ovnctl sends. Under systemd it is a unit;
// without systemd a detached process with a pidfile. It is restarted only when its argv changes, and
// a second copy is never left running.
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import { fileContent, fileState } from '../facts/files.js';
import { systemdRunning } from '../facts/os.js';
import { processesOf, type ProcessInfo } from '../facts/process.js';
import { raw, sh, type Command } from '../shell/command.js';
import { quote } from '../shell/quote.js';
import { uploadCommand } from '../shell/upload.js';
import { sha256 } from '../util/hash.js';
import type { Host, Inventory } from '../inventory/types.js';
import { defineModule, noChange, type Plan } from './module.js';
import { displayArg, ovnkubeArgs, ovnkubeRole, revealArg } from './ovnkube-flags.js';

export const OVNKUBE_ARGS_FILE = '/etc/ovnctl/ovnkube.args';
export const OVNKUBE_LAUNCHER = '/usr/local/lib/ovnctl/ovnkube-launch';
export const OVNKUBE_UNIT = '/etc/systemd/system/ovnkube.service';
export const OVNKUBE_PIDFILE = '/var/run/ovnkube.pid';

export function launcherScript(binary: string): string {
  return [
    '#!/bin/sh',
    '# Written by ovnctl: starts ovnkube with the arguments in ' + OVNKUBE_ARGS_FILE + ' (one per line).',
    'set --',
    `while IFS= read -r a; do set -- "$@" "$a"; done < ${OVNKUBE_ARGS_FILE}`,
    `exec ${quote(binary)} "$@"`,
    '',
  ].join('\n');
}

export function unitFile(): string {
  return [
    '[Unit]',
    'Description=ovnkube (managed by ovnctl)',
    'After=network-online.target openvswitch-switch.service',
    '',
    '[Service]',
    `ExecStart=${OVNKUBE_LAUNCHER}`,
    'Restart=on-failure',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** ovnkube's arguments as the args file holds them: one per line, token revealed. */
export function ovnkubeArgsText(host: Host, inv: Inventory): string {
  return ovnkubeArgs(host, inv).map(revealArg).join('\n') + '\n';
}

/** The checksum processesOf() reports for an ovnkube started with the inventory's flags. */
export function expectedOvnkubeArgvSha(host: Host, inv: Inventory): string {
  return sha256(`${inv.ovnkube.binary}\n${ovnkubeArgsText(host, inv)}`);
}

export const ovnkube = defineModule({
  name: 'ovnkube',
  args: z.object({}).strict(),
  facts: (_a, { inventory }) => {
    const b = inventory.ovnkube.binary;
    return [
      systemdRunning,
      fileState(b),
      fileState(OVNKUBE_ARGS_FILE),
      fileState(OVNKUBE_LAUNCHER),
      fileContent(OVNKUBE_UNIT),
      processesOf(b),
    ];
  },
  plan(_a, facts, { host, inventory }) {
    const binary = inventory.ovnkube.binary;
    if (ovnkubeRole(host, inventory) === 'none') return planNone(facts(processesOf(binary)), facts(systemdRunning));
    // With ovnkube.upload the binary arrives in the task before (or would, under --check).
    if (!facts(fileState(binary)).exists && !inventory.ovnkube.upload) {
      throw new TaskFailure(
        `ovnkube binary ${binary} not found on ${host.name}: ` +
          'set ovnkube.upload to a local build, install it there, or set ovnkube.enabled: false',
      );
    }
    const args = ovnkubeArgs(host, inventory);
    const argsText = ovnkubeArgsText(host, inventory);
    const wantArgvSha = expectedOvnkubeArgvSha(host, inventory);
    const commands: Command[] = [];
    const argsFile = facts(fileState(OVNKUBE_ARGS_FILE));
    if (!argsFile.exists || argsFile.sha256 !== sha256(argsText) || argsFile.mode !== '0600') {
      commands.push(
        uploadCommand({ dest: OVNKUBE_ARGS_FILE, content: Buffer.from(argsText), mode: '0600', secret: true }),
      );
    }
    const launcher = launcherScript(binary);
    const launcherFile = facts(fileState(OVNKUBE_LAUNCHER));
    if (!launcherFile.exists || launcherFile.sha256 !== sha256(launcher) || launcherFile.mode !== '0755') {
      commands.push(uploadCommand({ dest: OVNKUBE_LAUNCHER, content: Buffer.from(launcher), mode: '0755' }));
    }
    const procs = facts(processesOf(binary));
    const current = procs.filter((p) => p.argvSha256 === wantArgvSha);
    const systemd = facts(systemdRunning);
    if (systemd && facts(fileContent(OVNKUBE_UNIT)) !== unitFile()) {
      commands.push(
        uploadCommand({ dest: OVNKUBE_UNIT, content: Buffer.from(unitFile()), mode: '0644' }),
        sh`systemctl daemon-reload`,
      );
    }
    const running = procs.length === 1 && current.length === 1;
    if (!running) {
      if (systemd) commands.push(sh`systemctl enable ovnkube && systemctl restart ovnkube`);
      else commands.push(...stopProcesses(procs.map((p) => p.pid)), startDetached(binary, inventory.ovnkube.logfile));
    }
    const shown = [binary, ...args.map(displayArg)].join(' ');
    if (commands.length === 0) return noChange(`running (pid ${procs[0].pid})`);
    const why =
      procs.length === 0
        ? 'not running'
        : current.length === 0
          ? 'flags changed'
          : running
            ? 'files changed'
            : `${procs.length} copies running`;
    return {
      commands,
      diff: {
        before: procs.length
          ? `${procs.length} running, argv sha256 ${procs.map((p) => p.argvSha256.slice(0, 12)).join(',')}`
          : '(not running)',
        after: shown,
      },
      msg: `${running ? 'update' : 'start'} ovnkube (${why})`,
    };
  },
});

/**
 * A master that is not ovnkube.master runs no ovnkube: one left from before (every master used to run
 * -init-master) is stopped, since two masters allocating node subnets on their own conflict.
 */
function planNone(procs: ProcessInfo[], systemd: boolean): Plan {
  if (procs.length === 0) return noChange('not the ovnkube master: no ovnkube here');
  const commands = systemd
    ? [sh`systemctl disable --now ovnkube`, ...stopProcesses(procs.map((p) => p.pid))]
    : stopProcesses(procs.map((p) => p.pid));
  return { commands, msg: `stop ovnkube: ${procs.length} running on a master that is not ovnkube.master` };
}

/** TERM, wait up to 10 s, then KILL: the old process must be gone before the new one starts. */
export function stopProcesses(pids: number[]): Command[] {
  if (pids.length === 0) return [];
  const alive = sh`a=; for p in ${pids}; do kill -0 $p 2>/dev/null && a=1; done; [ -n "$a" ]`;
  const wait = sh`i=0; while [ $i -lt 100 ] && ${alive}; do sleep 0.1; i=$((i+1)); done`;
  return [sh`kill ${pids} 2>/dev/null; ${wait}; kill -9 ${pids} 2>/dev/null; rm -f ${OVNKUBE_PIDFILE}; true`];
}

/**
 * Start ovnkube detached without waiting to watch it: first check, now, what would make it exit at once
 * (binary, args file, launcher, log file), naming the file; then `kill -0` right away. An exit later on
 * shows as "not running" in the next run's process fact.
 */
export function startDetached(binary: string, logfile: string): Command {
  const dir = logfile.replace(/\/[^/]*$/, '') || '/';
  const need = raw(`need() { [ "$1" "$2" ] || { echo "ovnkube cannot start: $2 $3" >&2; exit 1; }; }`);
  const binaryOk = sh`need -f ${binary} 'not found'; need -x ${binary} 'is not executable'`;
  const argsOk = sh`need -r ${OVNKUBE_ARGS_FILE} 'not found or not readable'`;
  const launcherOk = sh`need -f ${OVNKUBE_LAUNCHER} 'not found'; need -x ${OVNKUBE_LAUNCHER} 'is not executable'`;
  const checks = sh`${binaryOk}; ${argsOk}; ${launcherOk}`;
  const openLog = sh`{ mkdir -p ${dir} && : >> ${logfile}; } || exit 1`;
  const launch = sh`setsid ${OVNKUBE_LAUNCHER} >> ${logfile} 2>&1 < /dev/null & pid=$!; echo $pid > ${OVNKUBE_PIDFILE}`;
  const started = sh`kill -0 $pid 2>/dev/null || { echo "ovnkube exited at once; see ${logfile}" >&2; exit 1; }`;
  return sh`${need}; ${checks}; ${openLog}; ${launch}; ${started}`;
}
