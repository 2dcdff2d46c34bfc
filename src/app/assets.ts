// Controller-side files a run ships to hosts (apt keys, an ovnkube build): read once per run.
import { readFile } from 'node:fs/promises';
import { TaskFailure } from '../errors.js';
import type { UrlFetch, UrlFetcher } from '../operations/module.js';

export function assetReader(): (source: string) => Promise<Buffer> {
  const cache = new Map<string, Promise<Buffer>>();
  return (source) => {
    let p = cache.get(source);
    if (!p) {
      p = /^https?:\/\//.test(source) ? fetchAsset(source) : readLocal(source);
      cache.set(source, p);
    }
    return p;
  };
}

function readLocal(file: string): Promise<Buffer> {
  return readFile(file).catch((e: NodeJS.ErrnoException) => {
    throw new TaskFailure(`cannot read ${file}: ${e.code ?? e.message}`);
  });
}

async function fetchAsset(url: string): Promise<Buffer> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  } catch (e) {
    throw new TaskFailure(
      `cannot download ${url} on the controller: ${(e as Error).message}; ` +
        'use a local key file (packages.source.key: ./key.gpg)',
    );
  }
}

/** Preflight's reads of package sources (Release files): GET, 10 s at most, once per URL per run. */
export function urlFetcher(timeoutMs = 10_000): UrlFetcher {
  const cache = new Map<string, Promise<UrlFetch>>();
  return (url) => {
    let p = cache.get(url);
    if (!p) {
      p = fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' }).then(
        async (res) => ({ status: res.status, body: res.ok ? await res.text() : '' }),
        (e: Error) => ({ error: fetchError(e, timeoutMs) }),
      );
      cache.set(url, p);
    }
    return p;
  };
}

/** undici's "fetch failed" hides the cause (ECONNREFUSED, ENOTFOUND): name it. */
function fetchError(e: Error, timeoutMs: number): string {
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? e.message;
}
