// Run a loaded playbook on LocalConnection "hosts", collecting the events and connections.
import { LocalConnection } from '../../src/connection/local.js';
import type { Connection } from '../../src/connection/types.js';
import type { Inventory } from '../../src/inventory/types.js';
import type { RunEvent } from '../../src/playbook/events.js';
import { runPlaybook, type RunOptions } from '../../src/playbook/run.js';
import type { Playbook } from '../../src/playbook/types.js';

export async function runLocal(
  pb: Playbook,
  inv: Inventory,
  o: Partial<Pick<RunOptions, 'check' | 'tags' | 'signal'>> & { connect?: (name: string) => Connection } = {},
) {
  const events: RunEvent[] = [];
  const conns: Connection[] = [];
  const result = await runPlaybook(pb, inv, {
    check: o.check ?? false,
    forks: 10,
    tags: o.tags,
    signal: o.signal,
    connect: (h) => {
      const c = o.connect?.(h.name) ?? new LocalConnection(h.name);
      conns.push(c);
      return c;
    },
    readAsset: async () => Buffer.from(''),
    onEvent: (e) => events.push(e),
  });
  return { result, events, conns };
}
