// -e on a setting (`-e ovnkube.loglevel=5`) changes the inventory for this run, so modules that read
// the inventory (ovnkube flags, ports) see it too — not only templates.
import path from 'node:path';
import type * as z from 'zod';
import { InputError } from '../errors.js';
import { InventorySchema } from './schema.js';
import type { Inventory } from './types.js';

const SECTIONS = ['cluster', 'packages', 'ovs', 'ovnkube', 'tls'] as const;

export function applySettingOverrides(inv: Inventory, extraVars: Record<string, unknown>): Inventory {
  let out = inv;
  for (const [key, value] of Object.entries(extraVars)) {
    const [section, field, ...rest] = key.split('.');
    if (!(SECTIONS as readonly string[]).includes(section)) continue;
    const current = (inv[section as (typeof SECTIONS)[number]] as unknown as Record<string, unknown>)[field ?? ''];
    if (!field || rest.length > 0 || current === undefined || typeof current === 'object') {
      throw new InputError(`-e ${key}: only plain settings can be overridden (e.g. -e ovnkube.loglevel=5)`);
    }
    if (typeof value !== typeof current)
      throw new InputError(`-e ${key}: expected a ${typeof current}, got ${JSON.stringify(value)}`);
    // The inventory's own rules hold for -e too (a path with shell characters, a port of 0).
    const fields = InventorySchema.shape[section as (typeof SECTIONS)[number]].unwrap().shape as Record<
      string,
      z.ZodType
    >;
    const checked = fields[field]?.safeParse(value);
    if (checked && !checked.success) throw new InputError(`-e ${key}: ${checked.error.issues[0].message}`);
    // A local path given on the command line is relative to where the user is, not to the inventory.
    const v = section === 'tls' && field === 'caDir' ? path.resolve(String(value)) : value;
    out = { ...out, [section]: { ...(out[section as (typeof SECTIONS)[number]] as object), [field]: v } };
  }
  return out;
}
