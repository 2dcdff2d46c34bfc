// One playbook run from the CLI's point of view: inventory → selection → playbook → run → exit code.
import { createWriteStream, writeFileSync } from 'node:fs';
import { SshConnection } from '../connection/ssh.js';
import type { Connection } from '../connection/types.js';
import { loadInventory } from '../inventory/load.js';
import { applySettingOverrides } from '../inventory/overrides.js';
import { selectHosts } from '../inventory/select.js';
import type { Inventory, Role } from '../inventory/types.js';
import { loadPlaybook } from '../playbook/load.js';
import { runPlaybook, type RunResult } from '../playbook/run.js';
import type { EventSink } from '../playbook/events.js';
import { maskSecrets } from '../shell/secret.js';
import { makeReporter } from '../report/reporter.js';
import { exitCodeFor } from '../report/recap.js';
import { assetReader } from './assets.js';

export interface PlaybookRunOptions {
  inventory: string;
  playbook: string;
  limit?: string;
  role?: Role;
  tags?: string[];
  skipTags?: string[];
  check: boolean;
  diff: boolean;
  forks: number;
  json: boolean;
  verbose: boolean;
  color: boolean;
  logFile?: string;
  extraVars: Record<string, unknown>;
  /** Extra listener (tests, demo). */
  onEvent?: EventSink;
  connect?: (inv: Inventory) => (host: Inventory['hosts'][number]) => Connection;
}

export async function runPlaybookCommand(o: PlaybookRunOptions): Promise<{ code: number; result: RunResult; inventory: Inventory }> {
  // Everything that can be wrong with the input fails here, before any host is contacted.
  const inv = applySettingOverrides(await loadInventory(o.inventory), o.extraVars);
  const selected = selectHosts(inv, { limit: o.limit, role: o.role });
  const pb = loadPlaybook(o.playbook, inv, { selected, extraVars: o.extraVars });

  const secrets = inv.cluster.k8sToken ? [inv.cluster.k8sToken] : [];
  const logStream = o.logFile ? createWriteStream(o.logFile, { flags: 'a', mode: 0o600 }) : undefined;
  const reporter = await makeReporter({ json: o.json, verbose: o.verbose, diff: o.diff, color: o.color });
  const abort = new AbortController();
  // First Ctrl-C: stop, close the connections, print the recap, exit 130. The handler is `once`, so a
  // second Ctrl-C gets Node's default and ends the process at once.
  const onSigint = () => {
    process.stderr.write('\novnctl: interrupted: closing connections (Ctrl-C again to quit at once)\n');
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  const conns: Connection[] = [];
  const factory = o.connect?.(inv) ?? ((h) => new SshConnection(h));
  try {
    const result = await runPlaybook(pb, inv, {
      check: o.check,
      forks: o.forks,
      tags: o.tags,
      skipTags: o.skipTags,
      signal: abort.signal,
      readAsset: assetReader(),
      connect: (h) => {
        const c = factory(h);
        conns.push(c);
        return c;
      },
      onEvent: (e) => {
        reporter(e);
        o.onEvent?.(e);
        if (e.type === 'task' && logStream) logStream.write(maskSecrets(`${new Date().toISOString()} ${e.host} [${e.play}] ${e.task}: ${e.status} ${e.msg}\n`, secrets));
        if (e.type === 'task-progress' && logStream) logStream.write(maskSecrets(`${new Date().toISOString()} ${e.host} [${e.play}] ${e.task}: progress ${e.msg}\n`, secrets));
      },
      log: logStream ? (host, task, text) => logStream.write(`--- ${host} [${task}]\n${maskSecrets(text, secrets)}\n`) : undefined,
    });
    await reporter.done();
    writeChannelPeaks(conns);
    return { code: exitCodeFor(result.hosts, result.interrupted), result, inventory: inv };
  } finally {
    process.removeListener('SIGINT', onSigint);
    await new Promise<void>((r) => (logStream ? logStream.end(r) : r()));
  }
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
