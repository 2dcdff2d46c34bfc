// Commands are data (pyinfra's model): an operation yields them, the runner prints or runs them.
import { quote } from './quote.js';
import { Secret } from './secret.js';

export interface Command {
  /** The exact text the remote POSIX shell runs. */
  readonly script: string;
  /** The same text with every secret masked: what logs, --diff and errors show. */
  readonly display: string;
  /** Bytes fed to the command's stdin (file uploads). */
  readonly stdin?: Buffer;
  /** The secrets in `script`: what shows the command or its output masks them (`inv.secrets.mask(text, cmd)`). */
  readonly secrets: readonly Secret[];
}

type Part = string | number | Secret | Raw | Command | readonly (string | number)[];

/** Text put into a command without quoting: only for constant shell syntax. */
export class Raw {
  constructor(readonly text: string) {}
}
export const raw = (text: string): Raw => new Raw(text);

/**
 * Build a command; every interpolated value is quoted for POSIX sh, secrets are tracked for masking.
 *   sh`ovs-vsctl set open . external_ids:ovn-remote=${remote}`
 */
export function sh(strings: TemplateStringsArray, ...parts: Part[]): Command {
  let script = strings[0];
  let display = strings[0];
  const secrets: Secret[] = [];
  parts.forEach((p, i) => {
    const [s, d] = render(p, secrets);
    script += s + strings[i + 1];
    display += d + strings[i + 1];
  });
  return { script, display, secrets };
}

function render(p: Part, secrets: Secret[]): [string, string] {
  if (p instanceof Secret) {
    secrets.push(p);
    return [quote(p.reveal()), quote(p.toString())];
  }
  if (p instanceof Raw) return [p.text, p.text];
  if (Array.isArray(p)) {
    const q = (p as (string | number)[]).map(quote).join(' ');
    return [q, q];
  }
  if (typeof p === 'object' && p !== null && 'script' in p) {
    const c = p as Command;
    secrets.push(...c.secrets);
    return [c.script, c.display];
  }
  const q = quote(p as string | number);
  return [q, q];
}

/** A command with bytes on stdin (the upload path: temp file + rename, see operations/files). */
export function withStdin(cmd: Command, stdin: Buffer): Command {
  return { ...cmd, stdin };
}
