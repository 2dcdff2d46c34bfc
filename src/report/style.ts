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

export function wantsColor(stream: NodeJS.WriteStream, noColorFlag: boolean): boolean {
  if (noColorFlag || 'NO_COLOR' in process.env) return false;
  return Boolean(stream.isTTY);
}
