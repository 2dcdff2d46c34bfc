// OpenSSH known_hosts: read (plain, [host]:port, hashed, markers) and append under a lock.
// Semantics follow OpenSSH's hostfile.c so a file shared with `ssh` means the same to both.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFile, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KnownHostsEntry {
  /** 1-based line number in the file. */
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written: a comma-separated pattern list or one `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  keyBlob: Buffer;
}

export type HostKeyCheck =
  | { status: 'known'; line: number }
  | { status: 'unknown' }
  | { status: 'changed'; line: number; knownKeyType: string; knownFingerprint: string }
  | { status: 'revoked'; line: number };

export type AppendResult = { added: true; line: number } | { added: false; check: HostKeyCheck };

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function hostKeyName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** OpenSSH's fingerprint form: `SHA256:` + unpadded base64 of the key blob's digest. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) throw new Error('key blob too short');
  const len = keyBlob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > keyBlob.length) throw new Error('malformed key blob');
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as `ssh-keygen -H` writes. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const mac = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${mac}`;
}

/** Every usable line of a known_hosts file; comments, blanks and malformed lines are skipped. */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/[ \t]+/);
    if (fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostsEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: OpenSSH skips the line
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) return;
    const keyBlob = Buffer.from(b64, 'base64');
    try {
      if (keyTypeOf(keyBlob) !== keyType) return;
    } catch {
      return;
    }
    entries.push({ line: i + 1, marker, hosts, keyType, keyBlob });
  });
  return entries;
}

/** Does a host field match `name` (already in hostKeyName form)? Patterns: `*`, `?`, `!negation`. */
export function matchesHost(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) return matchesHashed(hosts, name);
  let matched = false;
  for (const pat of hosts.toLowerCase().split(',')) {
    const negated = pat.startsWith('!');
    if (globMatch(negated ? pat.slice(1) : pat, name)) {
      if (negated) return false; // a negated match vetoes the whole line
      matched = true;
    }
  }
  return matched;
}

function matchesHashed(field: string, name: string): boolean {
  const parts = field.split('|'); // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2], 'base64');
  return hashHostName(name, salt) === field;
}

function globMatch(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === name;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(name);
}

/** Pure lookup, OpenSSH order: a revoked key loses, an exact match wins, else a same-type key means changed. */
export function findHostKey(
  entries: readonly KnownHostsEntry[],
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
): HostKeyCheck {
  const name = hostKeyName(host, port);
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && matchesHost(e.hosts, name));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.keyBlob.equals(keyBlob));
  if (revoked) return { status: 'revoked', line: revoked.line };
  const plain = forHost.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.keyBlob.equals(keyBlob));
  if (same) return { status: 'known', line: same.line };
  const other = plain.find((e) => e.keyType === keyType);
  if (other) {
    return {
      status: 'changed',
      line: other.line,
      knownKeyType: other.keyType,
      knownFingerprint: fingerprint(other.keyBlob),
    };
  }
  return { status: 'unknown' };
}

async function readKnownHosts(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/**
 * A file's entries, parsed once while it stays the same (inode, size and mtime, by one stat): every
 * connection of a run reads the file twice (key types, then the check), and parsing it each time made
 * 201 hosts parse 201 lines 402 times. accept-new appends change the size, so they are read again.
 */
const parsedFiles = new Map<string, { stamp: string; entries: Promise<KnownHostsEntry[]> }>();

async function knownEntries(file: string): Promise<KnownHostsEntry[]> {
  let stamp: string;
  try {
    const st = await stat(file);
    stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const cached = parsedFiles.get(file);
  if (cached?.stamp === stamp) return cached.entries;
  // Set before the read resolves, so the connections that dial at once share one read.
  const entries = readKnownHosts(file).then(parseKnownHosts);
  parsedFiles.set(file, { stamp, entries });
  entries.catch(() => parsedFiles.delete(file));
  return entries;
}

export async function checkHostKey(
  file: string,
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
): Promise<HostKeyCheck> {
  return findHostKey(await knownEntries(file), host, port, keyType, keyBlob);
}

/** Key types recorded for a host (usable entries only), so the client can prefer them in key exchange. */
export async function knownKeyTypes(file: string, host: string, port: number): Promise<string[]> {
  const name = hostKeyName(host, port);
  const types = (await knownEntries(file))
    .filter((e) => e.marker === undefined && matchesHost(e.hosts, name))
    .map((e) => e.keyType);
  return [...new Set(types)];
}

export interface AppendOptions {
  /** Longest wait for another writer's lock before giving up. */
  lockTimeoutMs?: number;
}

/**
 * Record a key for accept-new. Creates the file (0600) and its directory (0700) when missing.
 * Parallel connections to one host race here, so the check is repeated under an exclusive lock
 * and only a still-unknown key is written: one line, never duplicates.
 */
export async function appendHostKey(
  file: string,
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
  opts: AppendOptions = {},
): Promise<AppendResult> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  return withFileLock(file, opts.lockTimeoutMs ?? 10_000, async () => {
    const text = await readKnownHosts(file);
    const check = findHostKey(parseKnownHosts(text), host, port, keyType, keyBlob);
    if (check.status !== 'unknown') return { added: false, check };
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    await appendFile(file, `${sep}${hostKeyName(host, port)} ${keyType} ${keyBlob.toString('base64')}\n`, {
      mode: 0o600,
    });
    const line = (text + sep).split('\n').length;
    return { added: true, line };
  });
}

/** A lock older than this is left over from a crashed run (a write takes milliseconds). */
const STALE_LOCK_MS = 30_000;

async function withFileLock<T>(file: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const lockPath = `${file}.lock`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await isStale(lockPath)) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `could not lock ${file}: ${lockPath} is held by another writer (remove it if no ovnctl or ssh is running)`,
        );
      }
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs > STALE_LOCK_MS;
  } catch {
    return false; // vanished between open and stat: just retry
  }
}
