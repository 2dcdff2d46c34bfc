// Is a lab service up? A TCP connect (and, for sshd, its greeting line).
import { connect } from 'node:net';

/** True when host:port accepts a connection and, when `greeting` is given, its first line starts with it. */
export function probeTcp(host: string, port: number, greeting?: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: timeoutMs });
    let got = '';
    const finish = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => {
      if (greeting === undefined) finish(true);
    });
    s.on('data', (b: Buffer) => {
      got += b.toString();
      if (got.includes('\n')) finish(got.startsWith(greeting ?? ''));
    });
    s.once('error', () => finish(false));
    s.once('timeout', () => finish(false));
    s.once('end', () => finish(false));
  });
}
