// The inventory's references to this machine: paths (relative to the inventory, `~` = home), files
// that must exist before any host is contacted, and the secrets - the k8s token and the key passphrases
// in ssh.passphraseEnv variables - whose values never enter a message.
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { caFiles } from '../pki/check.js';
import { MIN_SECRET_LENGTH, Secret, shortSecretMessage } from '../shell/secret.js';
import type { Problems } from './problems.js';
import type { RawInventory } from './schema.js';
import type { InventorySource } from './yaml-source.js';

const MAX_TOKEN_BYTES = 64 * 1024;

export interface PathContext {
  /** The inventory file's directory: relative paths are relative to it, not to the cwd. */
  dir: string;
  home: string;
}

export function resolveLocalPath(p: string, ctx: PathContext): string {
  if (p === '~') return ctx.home;
  if (p.startsWith('~/')) return path.join(ctx.home, p.slice(2));
  return path.resolve(ctx.dir, p);
}

type Report = (detail: string, at: readonly PropertyKey[], opts?: { key?: boolean }) => void;

/** What readLocalFiles read: the secrets, each passphrase with where it came from. */
export interface LocalSecrets {
  token?: Secret;
  passphrases: [Secret, string][];
  /** The private keys of hosts.<name>.tls (uploaded to their host), with where each came from. */
  tlsKeys: [Secret, string][];
  /** A local kubeconfig (cluster.k8sKubeconfig: {file}): its content and the credentials in it. */
  kubeconfig: [Secret, string][];
}

/** Checks the files the inventory names and reads the secrets; problems go to `problems`. */
export async function readLocalFiles(
  raw: RawInventory,
  src: InventorySource,
  problems: Problems,
  ctx: PathContext & { env: NodeJS.ProcessEnv },
): Promise<LocalSecrets> {
  const report: Report = (detail, at, opts) => src.report(problems, detail, src.offsetOf(at, opts));

  const { source } = raw.packages;
  if (typeof source === 'object') {
    const at = ['packages', 'source', 'key'];
    if (!/^https?:\/\//i.test(source.key)) {
      const why = await unreadable(resolveLocalPath(source.key, ctx));
      if (why) report(`packages.source.key: ${why}`, at);
    } else if (!URL.canParse(source.key)) {
      report('packages.source.key: not a valid URL', at);
    }
  }
  if (raw.ovnkube.upload !== undefined) {
    const why = await unreadable(resolveLocalPath(raw.ovnkube.upload, ctx));
    if (why) report(`ovnkube.upload: ${why}`, ['ovnkube', 'upload']);
  }

  const { cniPlugin } = raw.ovnkube;
  if (cniPlugin) {
    const why = await unreadable(resolveLocalPath(cniPlugin.upload, ctx));
    if (why) report(`ovnkube.cniPlugin.upload: ${why}`, ['ovnkube', 'cniPlugin', 'upload']);
  }
  const cacert = raw.cluster.k8sCacert;
  if (typeof cacert === 'object') {
    const why = await unreadable(resolveLocalPath(cacert.file, ctx), MAX_K8S_FILE_BYTES);
    if (why) report(`cluster.k8sCacert: ${why}`, ['cluster', 'k8sCacert', 'file']);
  }
  const kubeconfig = await readKubeconfig(raw, ctx, report);

  const ref = raw.cluster.k8sToken;
  const token = ref ? await readToken(ref, ctx, report) : undefined;
  // Whatever tls.enabled says: `-e tls.enabled=true` may turn it on, and a host key must be masked then.
  const tlsKeys = await checkTlsFiles(raw, ctx, report);
  return { ...(token ? { token } : {}), passphrases: readPassphrases(raw, ctx.env, report), tlsKeys, kubeconfig };
}

const MAX_K8S_FILE_BYTES = 1024 * 1024;

/** The keys of a kubeconfig whose values are credentials (users[].user and its auth-provider config). */
const KUBECONFIG_CREDENTIALS =
  /^\s*-?\s*(token|password|client-key-data|access-token|refresh-token|client-secret|id-token)\s*:\s*(.+?)\s*$/;

/**
 * A local kubeconfig is uploaded to the hosts, and it holds credentials: its content is a secret, and so
 * is each credential in it (a token or key alone would otherwise show unmasked if it ever reached output).
 */
async function readKubeconfig(raw: RawInventory, ctx: PathContext, report: Report): Promise<[Secret, string][]> {
  const ref = raw.cluster.k8sKubeconfig;
  if (typeof ref !== 'object') return [];
  const at = ['cluster', 'k8sKubeconfig', 'file'];
  const file = resolveLocalPath(ref.file, ctx);
  const why = await unreadable(file, MAX_K8S_FILE_BYTES);
  if (why) {
    report(`cluster.k8sKubeconfig: kubeconfig ${why}`, at);
    return [];
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    report(`cluster.k8sKubeconfig: kubeconfig file ${file} cannot be read`, at);
    return [];
  }
  if (text.trim().length < MIN_SECRET_LENGTH) {
    report(`cluster.k8sKubeconfig: kubeconfig file ${file} is empty`, at);
    return [];
  }
  const origin = `cluster.k8sKubeconfig ${file}`;
  const out: [Secret, string][] = [[new Secret(text), origin]];
  for (const line of text.split(/\r?\n/)) {
    const m = KUBECONFIG_CREDENTIALS.exec(line);
    const value = m?.[2].replace(/^(["'])(.*)\1$/, '$2');
    if (value && value.length >= MIN_SECRET_LENGTH) out.push([new Secret(value), `${origin}: ${m![1]}`]);
  }
  return out;
}

/**
 * The CA's and the hosts' own certificate files exist, every private key is readable by
 * its owner only (ssh's rule for keys), and a host's key is read as a secret (it is uploaded to the host).
 * The CA ovnctl keeps is checked only when it exists: the first install creates it.
 */
async function checkTlsFiles(raw: RawInventory, ctx: PathContext, report: Report): Promise<[Secret, string][]> {
  const { tls } = raw;
  const pairs: [string, { cert: string; key: string }, PropertyKey[]][] = [];
  if (tls.ca) pairs.push(['tls.ca', tls.ca, ['tls', 'ca']]);
  for (const [name, h] of Object.entries(raw.hosts))
    if (h.tls) pairs.push([`hosts.${name}.tls`, h.tls, ['hosts', name, 'tls']]);
  if (!tls.ca) {
    const key = caFiles(resolveLocalPath(tls.caDir, ctx)).keyFile;
    const why = await loosePermissions(key);
    if (why) report(`tls.caDir: ${why}`, ['tls', 'caDir']);
  }
  const keys: [Secret, string][] = [];
  for (const [where, pair, at] of pairs) {
    const cert = await unreadable(resolveLocalPath(pair.cert, ctx), MAX_PEM_BYTES);
    if (cert) report(`${where}.cert: ${cert}`, [...at, 'cert']);
    const keyFile = resolveLocalPath(pair.key, ctx);
    const why = (await unreadable(keyFile, MAX_PEM_BYTES)) ?? (await loosePermissions(keyFile));
    if (why) report(`${where}.key: ${why}`, [...at, 'key']);
    else if (where !== 'tls.ca') keys.push([new Secret(await readFile(keyFile, 'utf8')), `${where}.key ${keyFile}`]);
  }
  return keys;
}

const MAX_PEM_BYTES = 64 * 1024;

/** Why a private key file is unsafe (group or others may read it), or undefined; a missing file is not. */
async function loosePermissions(file: string): Promise<string | undefined> {
  try {
    const mode = (await stat(file)).mode & 0o777;
    if ((mode & 0o077) === 0) return undefined;
    const octal = mode.toString(8).padStart(4, '0');
    return `private key ${file} is readable by others (mode ${octal}); run: chmod 600 ${file}`;
  } catch {
    return undefined;
  }
}

type TokenRef = NonNullable<RawInventory['cluster']['k8sToken']>;

async function readToken(
  ref: TokenRef,
  ctx: PathContext & { env: NodeJS.ProcessEnv },
  report: Report,
): Promise<Secret | undefined> {
  let value: string;
  if ('env' in ref) {
    value = ctx.env[ref.env] ?? '';
    if (value.trim() === '') {
      report(`cluster.k8sToken: environment variable ${ref.env} is unset or empty`, ['cluster', 'k8sToken', 'env']);
      return undefined;
    }
  } else {
    const at = ['cluster', 'k8sToken', 'file'];
    const file = resolveLocalPath(ref.file, ctx);
    const why = await unreadable(file, MAX_TOKEN_BYTES);
    if (why) {
      report(`cluster.k8sToken: token ${why}`, at);
      return undefined;
    }
    try {
      value = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    } catch {
      report(`cluster.k8sToken: token file ${file} cannot be read`, at);
      return undefined;
    }
    if (value.trim() === '') {
      report(`cluster.k8sToken: token file ${file} is empty`, at);
      return undefined;
    }
  }
  // A stray newline or space would corrupt the -k8s-token flag; say so without showing the value.
  if (/\s/.test(value)) {
    report('cluster.k8sToken: the token contains whitespace or several lines', ['cluster', 'k8sToken']);
    return undefined;
  }
  if (value.length < MIN_SECRET_LENGTH) {
    const from = 'env' in ref ? `environment variable ${ref.env}` : `file ${resolveLocalPath(ref.file, ctx)}`;
    report(shortSecretMessage(`cluster.k8sToken: the token from ${from}`), ['cluster', 'k8sToken'], { key: true });
    return undefined;
  }
  return new Secret(value);
}

/**
 * The passphrases of the ssh.passphraseEnv variables that are set, so output masks them. An unset one is
 * not an error here: the key may be unencrypted, or in the agent (connection/auth.ts says so if not).
 */
function readPassphrases(raw: RawInventory, env: NodeJS.ProcessEnv, report: Report): [Secret, string][] {
  // Each variable once, at the first place that names it for a host that uses it.
  const used = new Map<string, readonly PropertyKey[]>();
  for (const [name, h] of Object.entries(raw.hosts)) {
    const own = h.ssh?.passphraseEnv;
    const [envName, at] = own !== undefined ? [own, ['hosts', name, 'ssh']] : [raw.ssh.passphraseEnv, ['ssh']];
    if (envName !== undefined && !used.has(envName)) used.set(envName, [...at, 'passphraseEnv']);
  }
  const out: [Secret, string][] = [];
  for (const [envName, at] of used) {
    const value = env[envName];
    if (!value) continue;
    const origin = `ssh.passphraseEnv: the passphrase in environment variable ${envName}`;
    if (value.length < MIN_SECRET_LENGTH) report(shortSecretMessage(origin), at, { key: true });
    else out.push([new Secret(value), origin]);
  }
  return out;
}

/** Why `file` cannot be used as an input file, or undefined when it can. */
async function unreadable(file: string, maxBytes?: number): Promise<string | undefined> {
  try {
    const st = await stat(file);
    if (!st.isFile()) return `file ${file} is not a regular file`;
    if (maxBytes !== undefined && st.size > maxBytes) return `file ${file} is larger than ${maxBytes} bytes`;
    await access(file, constants.R_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `file ${file} does not exist`;
    if (code === 'EACCES' || code === 'EPERM') return `file ${file} is not readable`;
    return `file ${file} cannot be read (${code ?? 'error'})`;
  }
}
