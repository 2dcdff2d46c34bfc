// SSH user authentication settings: a private key file (passphrase from an env var or a TTY prompt)
// or the ssh-agent at SSH_AUTH_SOCK. Problems become one-line UnreachableErrors before any dialing.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import ssh2 from 'ssh2';
import type { AgentAuthMethod, ParsedKey, PublicKeyAuthMethod } from 'ssh2';
import { InterruptedError, UnreachableError } from '../errors.js';
import type { Host } from '../inventory/types.js';

export interface Auth {
  /** Given to ssh2 as its only auth method (so `authHandler`, which takes an already parsed key). */
  method: PublicKeyAuthMethod | AgentAuthMethod;
  /** How we authenticate, for error messages: `key /path` or `ssh-agent`. */
  describe: string;
}

export interface AuthDeps {
  env: NodeJS.ProcessEnv;
  /** May we ask on the terminal? Never when stdin is not a TTY (CI, pipes). */
  interactive: boolean;
  prompt: (keyPath: string) => Promise<string>;
}

export async function resolveAuth(host: Host, deps: AuthDeps): Promise<Auth> {
  const { privateKey: keyPath, passphraseEnv, user: username } = host.ssh;
  const fail = (why: string) => new UnreachableError(`${host.name}: ${why}`);
  if (keyPath === undefined) {
    const sock = deps.env.SSH_AUTH_SOCK;
    if (!sock) throw fail('no ssh.privateKey set and no ssh-agent (SSH_AUTH_SOCK is not set)');
    if (!(await exists(sock)))
      throw fail(`no ssh.privateKey set and the ssh-agent socket SSH_AUTH_SOCK=${sock} does not exist`);
    return { method: { type: 'agent', username, agent: sock }, describe: 'ssh-agent' };
  }
  let key: Buffer;
  try {
    key = await readFile(keyPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(
      code === 'ENOENT'
        ? `private key ${keyPath} not found`
        : `cannot read private key ${keyPath}: ${code ?? (err as Error).message}`,
    );
  }
  const describe = `key ${keyPath}`;
  const plain = parseKey(key);
  if (!(plain instanceof Error)) return { method: { type: 'publickey', username, key: plain }, describe };
  if (!/no passphrase given/i.test(plain.message)) throw fail(`cannot parse private key ${keyPath}: ${plain.message}`);

  let passphrase: string;
  if (passphraseEnv) {
    const v = deps.env[passphraseEnv];
    if (!v)
      throw fail(
        `private key ${keyPath} is encrypted and the environment variable ${passphraseEnv} ` +
          '(ssh.passphraseEnv) is not set',
      );
    passphrase = v;
  } else if (deps.interactive) {
    passphrase = await deps.prompt(keyPath);
  } else {
    throw fail(
      `private key ${keyPath} is encrypted and stdin is not a terminal: set ssh.passphraseEnv to the name of an ` +
        'environment variable holding the passphrase, or load the key into ssh-agent',
    );
  }
  const parsed = decrypt(key, passphrase);
  if (parsed instanceof Error) throw fail(`wrong passphrase for private key ${keyPath}`);
  return { method: { type: 'publickey', username, key: parsed }, describe };
}

// Decrypting an OpenSSH key runs bcrypt_pbkdf in JS, synchronously (~0.4 s here): do it once per
// key for the run, not once per host, or 20 hosts would stall the event loop for seconds.
const decrypted = new Map<string, ParsedKey | Error>();

function decrypt(key: Buffer, passphrase: string): ParsedKey | Error {
  const id = createHash('sha256').update(key).update('\0').update(passphrase).digest('hex');
  let parsed = decrypted.get(id);
  if (!parsed) {
    parsed = parseKey(key, passphrase);
    decrypted.set(id, parsed);
  }
  return parsed;
}

/** ssh2 returns an array for a file holding several keys; OpenSSH's format holds one. */
function parseKey(key: Buffer, passphrase?: string): ParsedKey | Error {
  const p = ssh2.utils.parseKey(key, passphrase) as ParsedKey | ParsedKey[] | Error;
  return Array.isArray(p) ? p[0] : p;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

// One prompt per key for the whole run: many hosts share a key, and two prompts must not interleave.
const asked = new Map<string, Promise<string>>();
let queue: Promise<unknown> = Promise.resolve();

/** Ask for a key's passphrase on the terminal (stdin, no echo); only called when stdin is a TTY. */
export function promptPassphrase(keyPath: string): Promise<string> {
  let p = asked.get(keyPath);
  if (!p) {
    p = queue.then(() => askHidden(`Enter passphrase for key '${keyPath}': `));
    queue = p.catch(() => undefined);
    asked.set(keyPath, p);
  }
  return p;
}

async function askHidden(question: string): Promise<string> {
  // Loaded here, not at start-up: only a passphrase prompt needs readline (~4 ms of every run's start).
  const { createInterface } = await import('node:readline');
  process.stderr.write(question);
  // readline echoes what is typed to `output`; a sink keeps the passphrase off the screen.
  const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const rl = createInterface({ input: process.stdin, output: sink, terminal: true });
  return new Promise((resolve, reject) => {
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    rl.once('SIGINT', () => {
      rl.close();
      process.stderr.write('\n');
      reject(new InterruptedError());
    });
  });
}

export function defaultAuthDeps(): AuthDeps {
  return { env: process.env, interactive: process.stdin.isTTY === true, prompt: promptPassphrase };
}
