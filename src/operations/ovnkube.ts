// The ovnkube launcher. Its argv is kept in a root-only 0600 file that a small launcher script reads
// and execs, so the token never travels in a command line ovnctl sends. Under systemd it is a unit;
// without systemd a detached process with a pidfile. It is restarted only when its argv changes, and
// a second copy is never left running.
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import type { Fact } from '../facts/fact.js';
import { fileContent, fileState, type FileState } from '../facts/files.js';
import { linkHolding, linkMtus } from '../facts/mtu.js';
import { systemdRunning } from '../facts/os.js';
import { argvSha256, processesOf, type ProcessInfo } from '../facts/process.js';
import { raw, sh, type Command } from '../shell/command.js';
import { quote } from '../shell/quote.js';
import { uploadCommand } from '../shell/upload.js';
import { sha256 } from '../util/hash.js';
import type { Host, HostFile, Inventory } from '../inventory/types.js';
import { SERVICES } from '../ovn/daemons.js';
import { defineModule, noChange, type FactReader, type Plan } from './module.js';
import {
  displayArg,
  ENCAP_OVERHEAD,
  type HostInputs,
  K8S_CACERT_HOST_PATH,
  KUBECONFIG_HOST_PATH,
  ovnkubeArgs,
  ovnkubeRole,
  revealArg,
  runsNodeHalf,
} from './ovnkube-flags.js';

export const OVNKUBE_ARGS_FILE = '/etc/ovnctl/ovnkube.args';
export const OVNKUBE_LAUNCHER = '/usr/local/lib/ovnctl/ovnkube-launch';
export const OVNKUBE_UNIT = '/etc/systemd/system/ovnkube.service';
export const OVNKUBE_PIDFILE = '/var/run/ovnkube.pid';
export const OVNKUBE_LOGROTATE = '/etc/logrotate.d/ovnkube';

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

/**
 * The unit waits for the network and for the OVN service the host runs (ovn-central on a master, ovn-host
 * on a node, both on a host with both roles), and restarts ovnkube whenever it exits, however often:
 * it exits when the API server or the databases are not there yet, and must come back when they are.
 */
export function unitFile(host: Host): string {
  const ovn = [
    ...(host.roles.includes('master') ? [`${SERVICES['ovn-central'].unit}.service`] : []),
    ...(host.roles.includes('node') ? [`${SERVICES['ovn-controller'].unit}.service`] : []),
  ];
  return [
    '[Unit]',
    'Description=ovnkube (managed by ovnctl)',
    `Wants=network-online.target ${ovn.join(' ')}`,
    `After=network-online.target ${SERVICES.openvswitch.unit}.service ${ovn.join(' ')}`,
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    `ExecStart=${OVNKUBE_LAUNCHER}`,
    'Restart=always',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * ovnkube opens its -logfile once and never reopens it, so a rotation that renames the file would leave
 * it writing to the renamed (then compressed and deleted) one: the file is copied and truncated in
 * place instead. It opens the file with O_APPEND, so its next write lands at the start of the emptied file.
 */
/**
 * Debian's openvswitch-switch rotates /var/log/openvswitch/*.log by renaming, and logrotate refuses a
 * second rule for a file one already names (exit 1, and the first rule then loses the rest of its glob).
 * So a log there (the guide's and SPEC's default) gets no rule of ovnctl's; install warns instead.
 */
export function rotatedByOpenvswitch(logfile: string): boolean {
  return /^\/var\/log\/openvswitch\/[^/]*\.log$/.test(logfile);
}

/** What install says before it starts about ovnkube's settings (the log a package rotates by renaming). */
export function ovnkubeWarnings(inv: Inventory): string[] {
  const log = inv.ovnkube.logfile;
  if (!inv.ovnkube.enabled || !rotatedByOpenvswitch(log)) return [];
  return [
    `ovnkube.logfile ${log} is rotated by openvswitch-switch's logrotate rule, which renames it; ovnkube never ` +
      'reopens its log and would write to a deleted file. Set ovnkube.logfile outside /var/log/openvswitch ' +
      "(e.g. /var/log/ovn-kubernetes/ovnkube.log) to get ovnctl's copytruncate rule.",
  ];
}

export function logrotateRule(logfile: string): string {
  return [
    `# Written by ovnctl: ovnkube's log (ovnkube.logfile). ovnkube never reopens its log, hence copytruncate.`,
    `${logfile} {`,
    '    daily',
    '    maxsize 100M',
    '    rotate 7',
    '    compress',
    '    missingok',
    '    notifempty',
    '    copytruncate',
    '}',
    '',
  ].join('\n');
}

/** The facts ovnkube's argv depends on besides the inventory: the underlay MTU when cluster.mtu is unset. */
export function ovnkubeArgvFacts(host: Host, inv: Inventory): Fact<unknown>[] {
  return needsUnderlayMtu(host, inv) ? [linkMtus] : [];
}

function needsUnderlayMtu(host: Host, inv: Inventory): boolean {
  return inv.cluster.mtu === undefined && runsNodeHalf(host, inv);
}

/**
 * What ovnkubeArgs needs from the host, read through the facts of ovnkubeArgvFacts. Without `facts`
 * (a caller that has not read them) the default -mtu is left out.
 */
export function hostInputs(host: Host, inv: Inventory, facts?: FactReader): HostInputs {
  if (!facts || !needsUnderlayMtu(host, inv)) return {};
  const links = facts(linkMtus);
  if (!links) throw new TaskFailure(`cannot read ${host.name}'s links (ip -o link show failed): set cluster.mtu`);
  const link = linkHolding(links, host.encapIp);
  if (!link) {
    throw new TaskFailure(
      `no interface of ${host.name} holds its encapIp ${host.encapIp}, whose MTU less the ` +
        `${inv.cluster.encapType} overhead (${ENCAP_OVERHEAD[inv.cluster.encapType]}) is ovnkube's default -mtu: ` +
        `set hosts.${host.name}.encapIp to an address of the host, or cluster.mtu`,
    );
  }
  return { underlayMtu: link.mtu };
}

/** ovnkube's arguments as it gets them: token revealed. */
function revealedArgs(host: Host, inv: Inventory, inputs: HostInputs): string[] {
  return ovnkubeArgs(host, inv, inputs).map(revealArg);
}

/** ovnkube's arguments as the args file holds them: one per line, token revealed. */
export function ovnkubeArgsText(host: Host, inv: Inventory, inputs: HostInputs = {}): string {
  return revealedArgs(host, inv, inputs).join('\n') + '\n';
}

/**
 * The checksum processesOf() reports for an ovnkube started with the inventory's flags. `facts` reads
 * those of ovnkubeArgvFacts (declare them): without it, a node's default -mtu is not known.
 */
export function expectedOvnkubeArgvSha(host: Host, inv: Inventory, facts?: FactReader): string {
  return argvSha256([inv.ovnkube.binary, ...revealedArgs(host, inv, hostInputs(host, inv, facts))]);
}

/** The local files ovnkube reads that ovnctl uploads: where each goes, and whether its content is secret. */
function uploads(inv: Inventory): { local: string; dest: string; secret: boolean; what: string }[] {
  const out: { local: string; dest: string; secret: boolean; what: string }[] = [];
  const add = (f: HostFile | undefined, dest: string, secret: boolean, what: string) => {
    if (f !== undefined && typeof f !== 'string') out.push({ local: f.file, dest, secret, what });
  };
  add(inv.cluster.k8sKubeconfig, KUBECONFIG_HOST_PATH, true, 'kubeconfig');
  add(inv.cluster.k8sCacert, K8S_CACERT_HOST_PATH, false, 'k8s CA certificate');
  return out;
}

const needsUpload = (state: FileState, content: Buffer, mode: string): boolean =>
  !state.exists || state.sha256 !== sha256(content) || state.mode !== mode;

export const ovnkube = defineModule({
  name: 'ovnkube',
  args: z.object({}).strict(),
  facts: (_a, { host, inventory }) => {
    const b = inventory.ovnkube.binary;
    const base = [systemdRunning, fileState(b), fileState(OVNKUBE_ARGS_FILE), fileState(OVNKUBE_LAUNCHER)];
    if (ovnkubeRole(host, inventory) === 'none') return [...base, fileContent(OVNKUBE_UNIT), processesOf(b)];
    return [
      ...base,
      fileState(OVNKUBE_LOGROTATE),
      ...uploads(inventory).map((u) => fileState(u.dest)),
      ...ovnkubeArgvFacts(host, inventory),
      fileContent(OVNKUBE_UNIT),
      processesOf(b),
    ];
  },
  async plan(_a, facts, { host, inventory, readAsset }) {
    const binary = inventory.ovnkube.binary;
    if (ovnkubeRole(host, inventory) === 'none') return planNone(facts(processesOf(binary)), facts(systemdRunning));
    // With ovnkube.upload the binary arrives in the task before (or would, under --check).
    if (!facts(fileState(binary)).exists && !inventory.ovnkube.upload) {
      throw new TaskFailure(
        `ovnkube binary ${binary} not found on ${host.name}: ` +
          'set ovnkube.upload to a local build, install it there, or set ovnkube.enabled: false',
      );
    }
    const inputs = hostInputs(host, inventory, facts);
    const args = ovnkubeArgs(host, inventory, inputs);
    const argsText = ovnkubeArgsText(host, inventory, inputs);
    const wantArgvSha = expectedOvnkubeArgvSha(host, inventory, facts);
    const commands: Command[] = [];
    // What ovnkube reads only when it starts: a new kubeconfig or CA needs a restart to take effect.
    const uploaded: { what: string; shown: string }[] = [];
    for (const u of uploads(inventory)) {
      const content = await readAsset(u.local);
      if (!needsUpload(facts(fileState(u.dest)), content, '0600')) continue;
      commands.push(uploadCommand({ dest: u.dest, content, mode: '0600', secret: u.secret }));
      // A kubeconfig is named, never shown: its upload's display says "secret content", and so does --diff.
      uploaded.push({ what: u.what, shown: `${u.dest} mode 0600 ${u.secret ? '(secret content)' : sha256(content)}` });
    }
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
    const rotateState = facts(fileState(OVNKUBE_LOGROTATE));
    if (rotatedByOpenvswitch(inventory.ovnkube.logfile)) {
      if (rotateState.exists) commands.push(sh`rm -f ${OVNKUBE_LOGROTATE}`);
    } else {
      const rotate = Buffer.from(logrotateRule(inventory.ovnkube.logfile));
      if (needsUpload(rotateState, rotate, '0644'))
        commands.push(uploadCommand({ dest: OVNKUBE_LOGROTATE, content: rotate, mode: '0644' }));
    }
    const procs = facts(processesOf(binary));
    const current = procs.filter((p) => p.argvSha256 === wantArgvSha);
    const systemd = facts(systemdRunning);
    const unit = unitFile(host);
    if (systemd && facts(fileContent(OVNKUBE_UNIT)) !== unit) {
      commands.push(
        uploadCommand({ dest: OVNKUBE_UNIT, content: Buffer.from(unit), mode: '0644' }),
        sh`systemctl daemon-reload`,
      );
    }
    const running = procs.length === 1 && current.length === 1;
    if (!running || uploaded.length > 0) {
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
          : !running
            ? `${procs.length} copies running`
            : uploaded.length > 0
              ? `new ${uploaded.map((u) => u.what).join(' and ')}`
              : 'files changed';
    return {
      commands,
      diff: {
        before: procs.length
          ? `${procs.length} running, argv sha256 ${procs.map((p) => p.argvSha256.slice(0, 12)).join(',')}`
          : '(not running)',
        after: [shown, ...uploaded.map((u) => u.shown)].join('\n'),
      },
      msg: `${running && uploaded.length === 0 ? 'update' : running ? 'restart' : 'start'} ovnkube (${why})`,
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
