// Colors only on a terminal that wants them: NO_COLOR and --no-color switch them off.
import { Chalk } from 'chalk';

export interface Style {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function makeStyle(color: boolean): Style {
  const c = new Chalk({ level: color ? 1 : 0 });
  return { red: c.red, green: c.green, yellow: c.yellow, cyan: c.cyan, dim: c.dim, bold: c.bold };
}

/** no-color.org: NO_COLOR set to anything but the empty string turns colors off. */
export function wantsColor(
  stream: { isTTY?: boolean },
  noColorFlag: boolean,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (noColorFlag || (env.NO_COLOR ?? '') !== '') return false;
  return Boolean(stream.isTTY);
}
