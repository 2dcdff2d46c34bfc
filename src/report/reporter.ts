// Picks the reporter: NDJSON for --json, a listr2 tree on a terminal, plain lines otherwise (CI).
import type { RunEvent } from '../playbook/events.js';
import { jsonReporter } from './json.js';
import { plainReporter } from './plain.js';
import { makeStyle, wantsColor } from './style.js';

export type Reporter = ((e: RunEvent) => void) & { done(): Promise<void> };

export async function makeReporter(o: {
  json: boolean;
  verbose: boolean;
  diff: boolean;
  color: boolean;
}): Promise<Reporter> {
  const out = (line: string) => process.stdout.write(line + '\n');
  if (o.json) return Object.assign(jsonReporter(out), { done: async () => undefined });
  const style = makeStyle(wantsColor(process.stdout, !o.color));
  if (process.stdout.isTTY && !o.verbose && !process.env.CI) {
    // listr2 is loaded only for a terminal: CI and --json runs start faster without it.
    const { ttyReporter } = await import('./tty.js');
    return ttyReporter(out, style, { diff: o.diff });
  }
  return Object.assign(plainReporter(out, style, { diff: o.diff, verbose: o.verbose }), {
    done: async () => undefined,
  });
}
