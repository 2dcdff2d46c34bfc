// How the app layer reaches hosts: one connection factory for every command (ssh by default; tests and
// other callers pass their own), and a one-off command on one host with its output masked.
import { SshConnection } from '../connection/ssh.js';
import type { Connection, ExecResult } from '../connection/types.js';
import type { Host, Inventory } from '../inventory/types.js';

/** Given the inventory, makes the connection of one host (opened by connect() or the first exec). */
export type Connector = (inv: Inventory) => (host: Host) => Connection;

export const sshConnector: Connector = () => (host) => new SshConnection(host);

/** Closes the connections (those a run did not take) and forgets them; a failed close is fine. */
export async function closeAll(connections: Map<string, Connection>): Promise<void> {
  await Promise.all([...connections.values()].map((c) => c.close().catch(() => undefined)));
  connections.clear();
}

/** Runs `script` on `host`, then closes the connection; the result's text has the inventory's secrets masked. */
export async function runOnHost(
  inv: Inventory,
  host: Host,
  script: string,
  connect: Connector = sshConnector,
): Promise<ExecResult> {
  const conn = connect(inv)(host);
  try {
    const res = await conn.exec(script);
    const mask = (s: string) => inv.secrets.mask(s);
    return { ...res, command: mask(res.command), stdout: mask(res.stdout), stderr: mask(res.stderr) };
  } catch (e) {
    throw inv.secrets.maskError(e);
  } finally {
    await conn.close().catch(() => undefined);
  }
}
