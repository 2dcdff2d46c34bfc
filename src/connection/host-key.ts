// The hostKeyChecking policy (strict | accept-new | off) and the messages that tell the user the fix.
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { HostKeyError } from '../errors.js';
import type { HostKeyChecking } from '../inventory/types.js';
import { quote } from '../shell/quote.js';
import { appendHostKey, checkHostKey, fingerprint, hostKeyName, keyTypeOf } from './known-hosts.js';

export interface HostKeyTarget {
  hostName: string;
  address: string;
  port: number;
  knownHosts: string;
  policy: HostKeyChecking;
}

/** null: accept the key. Otherwise the error to reject the connection with. */
export async function verifyHostKey(t: HostKeyTarget, keyBlob: Buffer): Promise<HostKeyError | null> {
  if (t.policy === 'off') return null;
  const where = `${t.hostName} (${hostKeyName(t.address, t.port)})`;
  let keyType: string;
  try {
    keyType = keyTypeOf(keyBlob);
  } catch {
    return new HostKeyError(`host key for ${where} is malformed; refusing to connect`);
  }
  const presented = `${keyType} ${fingerprint(keyBlob)}`;
  try {
    let check = await checkHostKey(t.knownHosts, t.address, t.port, keyType, keyBlob);
    if (check.status === 'unknown' && t.policy === 'accept-new') {
      const res = await appendHostKey(t.knownHosts, t.address, t.port, keyType, keyBlob);
      if (res.added) return null;
      check = res.check; // another connection recorded it (or a conflicting key) first
    }
    switch (check.status) {
      case 'known':
        return null;
      case 'unknown':
        return new HostKeyError(
          `host key for ${where} is unknown: ${presented} is not in ${t.knownHosts} (hostKeyChecking: strict); ` +
            `check the fingerprint, then add it with: ${keyscanHint(t)} >> ${quote(t.knownHosts)} ` +
            `(or set hostKeyChecking: accept-new)`,
        );
      case 'changed':
        return new HostKeyError(
          `host key for ${where} has CHANGED: presented ${presented}, ` +
            `known ${check.knownKeyType} ${check.knownFingerprint} ` +
            `at ${t.knownHosts}:${check.line}; if the host was reinstalled, remove the old key with: ` +
            `ssh-keygen -f ${quote(t.knownHosts)} -R ${quote(hostKeyName(t.address, t.port))}`,
        );
      case 'revoked':
        return new HostKeyError(
          `host key for ${where} is REVOKED: ${presented} is marked @revoked at ${t.knownHosts}:${check.line}; ` +
            'refusing to connect',
        );
    }
  } catch (err) {
    return new HostKeyError(
      `cannot check the host key for ${where} against ${t.knownHosts}: ${(err as Error).message}`,
    );
  }
}

function keyscanHint(t: HostKeyTarget): string {
  return t.port === 22 ? `ssh-keyscan ${quote(t.address)}` : `ssh-keyscan -p ${t.port} ${quote(t.address)}`;
}

// ssh2 negotiates host key types in its own order; like OpenSSH, prefer the types known_hosts
// already holds for this host, so a host with both RSA and ed25519 keys is not reported "unknown".
const DEFAULT_HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];
const ALGORITHMS_FOR_KEY_TYPE: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

export function preferKnownHostKeyAlgorithms(knownTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const preferred = knownTypes
    .flatMap((t) => ALGORITHMS_FOR_KEY_TYPE[t] ?? [t])
    .filter((a): a is ServerHostKeyAlgorithm => (DEFAULT_HOST_KEY_ALGORITHMS as string[]).includes(a));
  return [...new Set([...preferred, ...DEFAULT_HOST_KEY_ALGORITHMS])];
}
