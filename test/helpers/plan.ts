// Plan a module from fixture facts (pyinfra's tests/operations fixtures): args + facts in, commands out.
import type { Fact } from '../../src/facts/fact.js';
import type { Host, Inventory } from '../../src/inventory/types.js';
import type { Module, ModuleContext, Plan } from '../../src/operations/module.js';

/** `facts` maps a fact key to its parsed value, or to raw output to run through the fact's parser. */
export async function planWith<A>(
  mod: Module<A>,
  args: unknown,
  facts: Record<string, unknown>,
  inv: Inventory,
  host: Host = inv.hosts[0],
  assets: Record<string, Buffer> = {},
  /** More of the run's context (e.g. `installs`: what the run's playbook installs on the host). */
  extra: Partial<ModuleContext> = {},
): Promise<Plan> {
  const parsed = mod.args.parse(args);
  const ctx: ModuleContext = {
    host,
    inventory: inv,
    readAsset: async (s: string) => assets[s] ?? Buffer.from(`asset:${s}`),
    ...extra,
  };
  const declared = new Map(mod.facts(parsed, ctx).map((f) => [f.key, f]));
  const reader = <T>(f: Fact<T>): T => {
    if (!declared.has(f.key)) throw new Error(`undeclared fact ${f.key}`);
    if (!(f.key in facts)) throw new Error(`fixture lacks fact ${f.key}`);
    const v = facts[f.key];
    return (
      v && typeof v === 'object' && 'raw' in (v as object)
        ? f.parse((v as { raw: string; rc?: number }).raw, (v as { rc?: number }).rc ?? 0)
        : v
    ) as T;
  };
  return mod.plan(parsed, reader, ctx);
}

export const scripts = (p: Plan): string[] => p.commands.map((c) => c.script);
