// The inventory's references to this machine: paths (relative to the inventory, `~` = home), files
// that must exist before any host is contacted, and the k8s token (whose value never enters a message).
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Secret } from '../shell/secret.js';
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

/** Checks the files the inventory names and reads the token; problems go to `problems`. */
export async function readLocalFiles(
  raw: RawInventory,
  src: InventorySource,
  problems: Problems,
  ctx: PathContext & { env: NodeJS.ProcessEnv },
): Promise<{ token?: Secret }> {
  const report = (detail: string, at: readonly PropertyKey[]): void => src.report(problems, detail, src.offsetOf(at));

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

  const ref = raw.cluster.k8sToken;
  return ref ? { token: await readToken(ref, ctx, report) } : {};
}

type TokenRef = NonNullable<RawInventory['cluster']['k8sToken']>;

async function readToken(
  ref: TokenRef,
  ctx: PathContext & { env: NodeJS.ProcessEnv },
  report: (detail: string, at: readonly PropertyKey[]) => void,
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
  return new Secret(value);
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
