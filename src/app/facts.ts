// `ovnctl facts` from the CLI's point of view: inventory → selection → one fact gather per host, --forks
// at once → the facts per host, secrets masked, and the exit code. A host that fails shows its error in
// its own entry; the other hosts' facts are there all the same.
import { stringify } from 'yaml';
import { ExitCode } from '../errors.js';
import type { Fact } from '../facts/fact.js';
import { gatherFacts } from '../facts/gather.js';
import { selectHosts } from '../inventory/select.js';
import type { RoleGroups } from '../inventory/ansible-map.js';
import type { Inventory, Role } from '../inventory/types.js';
import { mapLimit } from '../util/concurrency.js';
import { sshConnector, type Connector } from './connect.js';
import { encapFact } from './encap.js';
import { withInventory } from './inventory.js';

export interface FactsOptions {
  inventory: string;
  limit?: string;
  role?: Role;
  /** Hosts gathered at once; checked by the CLI (cli/options.ts parseOptions). */
  forks: number;
  json: boolean;
  /** The facts to read, which may depend on the inventory (e.g. the processes of ovnkube.binary). */
  facts: (inv: Inventory) => readonly Fact<unknown>[];
  connect?: Connector;
  roleGroups?: RoleGroups;
}

export interface FactsResult {
  /** 0, or 4 when a host could not be read. */
  code: number;
  /** Host name → its facts, or `{error}`; in inventory order, secrets masked. */
  hosts: Record<string, unknown>;
  /** What stdout shows: YAML, or one line of JSON with --json. */
  text: string;
}

export async function gatherFactsCommand(o: FactsOptions): Promise<FactsResult> {
  return withInventory(
    o.inventory,
    async (inv) => {
      const hosts = selectHosts(inv, { limit: o.limit, role: o.role });
      // With the others: the address each host uses toward the first master, a DNS-named node's tunnel endpoint.
      const facts = [...o.facts(inv), encapFact(inv)];
      const connect = (o.connect ?? sshConnector)(inv);
      const out = new Map<string, unknown>();
      let code: number = ExitCode.ok;
      await mapLimit(hosts, o.forks, async (h) => {
        const conn = connect(h);
        try {
          await conn.connect();
          out.set(h.name, Object.fromEntries(await gatherFacts(conn, facts)));
        } catch (e) {
          out.set(h.name, { error: e instanceof Error ? e.message : String(e) });
          code = ExitCode.unreachable;
        } finally {
          await conn.close().catch(() => undefined);
        }
      });
      // Masked as values, before formatting: YAML folds long lines and JSON escapes, either could split a secret.
      const shown = inv.secrets.maskValue(Object.fromEntries(hosts.map((h) => [h.name, out.get(h.name)])));
      const text = o.json ? JSON.stringify(shown) + '\n' : stringify(shown);
      return { code, hosts: shown, text: inv.secrets.mask(text) };
    },
    o.roleGroups,
  );
}
