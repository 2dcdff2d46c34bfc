// One playbook run from the CLI's point of view: inventory → selection → playbook → run → exit code.
import { createWriteStream, openSync, writeFileSync, type WriteStream } from 'node:fs';
import type { Connection } from '../connection/types.js';
import { InputError } from '../errors.js';
import { inventoryWarnings } from '../inventory/checks.js';
import { applySettingOverrides } from '../inventory/overrides.js';
import { selectHosts } from '../inventory/select.js';
import type { RoleGroups } from '../inventory/ansible-map.js';
import type { Inventory, Role } from '../inventory/types.js';
import { loadPlaybook } from '../playbook/load.js';
import { runPlaybook, type RunResult } from '../playbook/run.js';
import type { EventSink } from '../playbook/events.js';
import type { Playbook } from '../playbook/types.js';
import { progressText } from '../report/progress.js';
import { makeReporter } from '../report/reporter.js';
import { exitCodeFor } from '../report/recap.js';
import { ovnkubeWarnings } from '../operations/ovnkube.js';
import { assetReader, urlFetcher } from './assets.js';
import { openCa } from './ca.js';
import { readEncapAddresses } from './encap.js';
import { closeAll, sshConnector, type Connector } from './connect.js';
import { withInventory } from './inventory.js';

export interface PlaybookRunOptions {
  inventory: string;
  playbook: string;
  limit?: string;
  role?: Role;
  tags?: string[];
  skipTags?: string[];
  check: boolean;
  diff: boolean;
  /** Hosts handled at once; checked by the CLI (cli/options.ts parseOptions). */
  forks: number;
  json: boolean;
  verbose: boolean;
  color: boolean;
  logFile?: string;
  extraVars: Record<string, unknown>;
  /** Extra listener (tests, demo). */
  onEvent?: EventSink;
  connect?: Connector;
  /** An Ansible inventory's role groups (--masters-group, --nodes-group). */
  roleGroups?: RoleGroups;
  /** Say what is unwise in the inventory (an even number of masters) before the run: install does. */
  inventoryWarnings?: boolean;
  /** The playbook whose apt tasks say what the run installs, for preflight's checks (default: the run's). */
  installsFrom?: string;
  /** No reporter: the caller shows the run through onEvent (`ovnctl report`). */
  quiet?: boolean;
  /** The command changes hosts: it holds the run lock on each (the runner skips it under --check). */
  lock?: { command: string; timeoutS: number };
}

export async function runPlaybookCommand(
  o: PlaybookRunOptions,
): Promise<{ code: number; result: RunResult; inventory: Inventory }> {
  // Everything that can be wrong with the input fails here, before any host is contacted.
  return withInventory(
    o.inventory,
    async (loaded) => {
      const given = applySettingOverrides(loaded, o.extraVars);
      // A host named by DNS without encapIp: its tunnel endpoint is read on it before the playbook renders.
      const chosen = selectHosts(given, { limit: o.limit, role: o.role });
      const read = await readEncapAddresses(given, chosen, o.connect ?? sshConnector, o.forks);
      const inv = read.inventory;
      let logStream: WriteStream | undefined;
      try {
        const selected = selectHosts(inv, { limit: o.limit, role: o.role });
        const pb = loadPlaybook(o.playbook, inv, { selected, extraVars: o.extraVars });
        const installsFrom = o.installsFrom && loadPlaybook(o.installsFrom, inv, { selected, extraVars: o.extraVars });
        logStream = o.logFile !== undefined ? openLog(o.logFile) : undefined;
        return await run(o, inv, pb, logStream, installsFrom || undefined, read.connections);
      } finally {
        await closeAll(read.connections);
        await new Promise<void>((r) => (logStream ? logStream.end(r) : r()));
      }
    },
    o.roleGroups,
  );
}

async function run(
  o: PlaybookRunOptions,
  inv: Inventory,
  pb: Playbook,
  logStream: WriteStream | undefined,
  installsFrom?: Playbook,
  /** Connections already open (the tunnel endpoint read): the run takes them instead of dialing again. */
  open: Map<string, Connection> = new Map(),
): Promise<{ code: number; result: RunResult; inventory: Inventory }> {
  const mask = (s: string) => inv.secrets.mask(s);
  const reporter = o.quiet
    ? Object.assign(() => undefined, { done: async () => undefined })
    : await makeReporter({ json: o.json, verbose: o.verbose, diff: o.diff, color: o.color });
  if (o.inventoryWarnings) for (const msg of [...inventoryWarnings(inv), ...ovnkubeWarnings(inv)]) warn(msg, o.json);
  const abort = new AbortController();
  // First Ctrl-C: stop, close the connections, print the recap, exit 130. The handler is `once`, so a
  // second Ctrl-C gets Node's default and ends the process at once.
  const onSigint = () => {
    process.stderr.write('\novnctl: interrupted: closing connections (Ctrl-C again to quit at once)\n');
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  const ca = await openCa(inv, o.check);
  const conns: Connection[] = [];
  const factory = (o.connect ?? sshConnector)(inv);
  const logLine = (e: { host: string; play: string; task: string }, what: string) =>
    logStream?.write(mask(`${new Date().toISOString()} ${e.host} [${e.play}] ${e.task}: ${what}\n`));
  try {
    const result = await runPlaybook(pb, inv, {
      check: o.check,
      forks: o.forks,
      tags: o.tags,
      skipTags: o.skipTags,
      signal: abort.signal,
      ...(o.lock ? { lock: o.lock } : {}),
      readAsset: assetReader(),
      fetchUrl: urlFetcher(),
      ...(installsFrom ? { installsFrom } : {}),
      ...(ca ? { ca } : {}),
      connect: (h) => {
        const c = open.get(h.name) ?? factory(h);
        open.delete(h.name);
        conns.push(c);
        return c;
      },
      onEvent: (e) => {
        reporter(e);
        o.onEvent?.(e);
        if (e.type === 'task') logLine(e, `${e.status} ${e.msg}`);
        if (e.type === 'task-progress') logLine(e, `progress ${progressText(e)}`);
      },
      log: logStream ? (host, task, text) => logStream.write(`--- ${host} [${task}]\n${mask(text)}\n`) : undefined,
    });
    await reporter.done();
    writeChannelPeaks(conns);
    return { code: exitCodeFor(result.hosts, result.interrupted), result, inventory: inv };
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** A warning: a `warning` event in --json (SPEC allows event types beyond task and recap), else stderr. */
export function warn(msg: string, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ type: 'warning', msg })}\n`);
  else process.stderr.write(`ovnctl: warning: ${msg}\n`);
}

/** Opened now, so a path that cannot be written is a bad option (exit 5) before any host is contacted. */
function openLog(file: string): WriteStream {
  let fd: number;
  try {
    fd = openSync(file, 'a', 0o600);
  } catch (e) {
    throw new InputError(`--log-file ${file}: cannot open it (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return createWriteStream(file, { fd });
}

/**
 * Instrumentation for tests (OVNCTL_DEBUG_CHANNELS=path): each connection's peak number of exec
 * channels open at once, as JSON {host: peak}, so a test can prove the per-connection bound held.
 */
function writeChannelPeaks(conns: readonly Connection[]): void {
  const file = process.env.OVNCTL_DEBUG_CHANNELS;
  if (!file) return;
  writeFileSync(file, JSON.stringify(Object.fromEntries(conns.map((c) => [c.hostName, c.peakChannels]))) + '\n');
}
