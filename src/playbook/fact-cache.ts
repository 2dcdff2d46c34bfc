// A host's cached facts for the run: read once, kept until a change writes what they read.
import type { Fact } from '../facts/fact.js';
import type { Resource } from '../facts/resources.js';

export class FactCache {
  readonly #entries = new Map<string, { value: unknown; reads: readonly Resource[] }>();

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  get(key: string): unknown {
    return this.#entries.get(key)?.value;
  }

  /** Store what one gather read: `values` by fact key, as gatherFacts returns them. */
  store(facts: Iterable<Fact<unknown>>, values: ReadonlyMap<string, unknown>): void {
    for (const f of facts)
      if (values.has(f.key)) this.#entries.set(f.key, { value: values.get(f.key), reads: f.reads });
  }

  /** Drop every fact that reads something `writes` names; all of them when `writes` is undefined. */
  forget(writes: readonly Resource[] | undefined): void {
    if (!writes) {
      this.#entries.clear();
      return;
    }
    for (const [k, e] of this.#entries) if (e.reads.some((r) => writes.includes(r))) this.#entries.delete(k);
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }
}
