// `ovnctl report` from the CLI's point of view: the verify playbook run in-process and quiet (read-only)
// for every check's result, then one fact gather per host for the topology (chassis, tunnel ports,
// versions, RAFT status), then ReportData (report-html/data.ts) as an HTML page or JSON. Exit code as
// verify's: 0 healthy, 2 a check failed, 4 a host could not be reached; the page is written in every case.
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ExitCode, InputError } from '../errors.js';
import { gatherFacts } from '../facts/gather.js';
import { selectHosts } from '../inventory/select.js';
import type { RoleGroups } from '../inventory/ansible-map.js';
import type { Host, Inventory, Role } from '../inventory/types.js';
import { buildReportData, type CheckResult, type HostFacts, type ReportData } from '../report-html/data.js';
import { renderReport } from '../report-html/render.js';
import { mapLimit } from '../util/concurrency.js';
import { sshConnector, type Connector } from './connect.js';
import { factsFor, hostFacts } from './report-facts.js';
import { runPlaybookCommand } from './playbook-run.js';

/** The play of verify.yaml whose check says whether ovnkube runs once with the inventory's flags. */
const OVNKUBE_PLAY = 'ovnkube';

export interface ReportOptions {
  inventory: string;
  /** playbooks/verify.yaml (the CLI knows where the bundled playbooks are). */
  verifyPlaybook: string;
  limit?: string;
  role?: Role;
  forks: number;
  /** The HTML file to write; undefined with --json = none. */
  output?: string;
  json: boolean;
  connect?: Connector;
  roleGroups?: RoleGroups;
  now?: () => Date;
}

export interface ReportResult {
  code: number;
  data: ReportData | null;
  /** What stdout shows: the JSON, or a summary line per problem. */
  text: string;
}

/** Checked before any host is contacted: an output that cannot be written is bad input (exit 5). */
export function checkOutput(file: string): void {
  const target = existsSync(file) ? file : dirname(resolve(file));
  try {
    accessSync(target, constants.W_OK);
  } catch (e) {
    throw new InputError(`--output ${file}: cannot write it (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

async function readHosts(
  inv: Inventory,
  hosts: readonly Host[],
  skip: Map<string, string>,
  o: ReportOptions,
): Promise<Record<string, HostFacts | { error: string }>> {
  const connect = (o.connect ?? sshConnector)(inv);
  const out: Record<string, HostFacts | { error: string }> = {};
  await mapLimit([...hosts], o.forks, async (h) => {
    const why = skip.get(h.name);
    if (why !== undefined) {
      out[h.name] = { error: why };
      return;
    }
    const conn = connect(h);
    try {
      await conn.connect();
      out[h.name] = hostFacts(h, inv, await gatherFacts(conn, factsFor(h, inv)));
    } catch (e) {
      out[h.name] = { error: e instanceof Error ? e.message : String(e) };
    } finally {
      await conn.close().catch(() => undefined);
    }
  });
  return out;
}

export async function reportCommand(o: ReportOptions): Promise<ReportResult> {
  if (o.output !== undefined) checkOutput(o.output);
  const checks: CheckResult[] = [];
  const {
    code,
    result,
    inventory: inv,
  } = await runPlaybookCommand({
    inventory: o.inventory,
    playbook: o.verifyPlaybook,
    limit: o.limit,
    role: o.role,
    forks: o.forks,
    check: false,
    diff: false,
    json: false,
    verbose: false,
    color: false,
    extraVars: {},
    roleGroups: o.roleGroups,
    quiet: true,
    onEvent: (e) => {
      if (e.type === 'task') checks.push({ host: e.host, play: e.play, task: e.task, status: e.status, msg: e.msg });
    },
  });
  if (result.interrupted) return { code, data: null, text: '' };
  try {
    const hosts = selectHosts(inv, { limit: o.limit, role: o.role });
    const unreachable = new Map(checks.filter((c) => c.status === 'unreachable').map((c) => [c.host, c.msg]));
    const facts = inv.secrets.maskValue(await readHosts(inv, hosts, unreachable, o));
    const data = buildReportData({
      inventory: inv,
      hosts,
      facts,
      checks,
      generatedAt: (o.now ?? (() => new Date()))().toISOString(),
      ovnkubePlay: OVNKUBE_PLAY,
    });
    const lost = Object.values(facts).some((f) => 'error' in f);
    const exit = lost ? Math.max(code, ExitCode.unreachable) : code;
    if (o.output !== undefined) writeFileSync(o.output, renderReport(data));
    return { code: exit, data, text: o.json ? `${JSON.stringify(data)}\n` : summary(data, o.output) };
  } catch (e) {
    throw inv.secrets.maskError(e);
  }
}

/** The human summary: where the page is, and one line per host that is not healthy. */
function summary(d: ReportData, file: string | undefined): string {
  const s = d.summary;
  const lines = [
    `report: ${file ?? '(not written)'}: ${s.hosts - s.unhealthy - s.unreachable} of ${s.hosts} hosts healthy, ` +
      `${s.failedChecks} failed checks, ${d.tunnels.length - s.tunnelsDown} of ${d.tunnels.length} tunnels up`,
  ];
  for (const h of d.hosts) {
    if (h.health === 'unreachable') lines.push(`  ${h.name}: unreachable: ${h.error || h.failed[0]?.what || ''}`);
    else if (h.health === 'unhealthy') lines.push(`  ${h.name}: ${h.failed.map((c) => c.task).join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}
