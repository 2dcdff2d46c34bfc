// The run's CA (tls.enabled), on the machine that runs ovnctl: the user's own (`tls.ca`) or the one
// ovnctl keeps in tls.caDir. An existing CA is loaded before any host is contacted, so a broken one is
// bad input (exit 5); a missing one is created on first use by a module that signs - in check mode in a
// throwaway directory, so --check writes nothing.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inventory } from '../inventory/types.js';
import type { CaProvider } from '../operations/module.js';
import type { Ca } from '../pki/index.js';

export async function openCa(inv: Inventory, check: boolean): Promise<CaProvider | undefined> {
  if (!inv.tls.enabled) return undefined;
  // Loaded here only: the X.509 library costs ~0.1 s of start-up that a run without TLS never pays.
  const { caFiles, loadCa, loadOrCreateCa } = await import('../pki/index.js');
  const { ca, caDir } = inv.tls;
  if (ca) {
    const loaded = await loadCa(ca.cert, ca.key);
    return async () => loaded;
  }
  const files = caFiles(caDir);
  if (existsSync(files.keyFile)) {
    const loaded = await loadCa(files.certFile, files.keyFile);
    return async () => loaded;
  }
  let made: Promise<Ca> | undefined;
  return async (o = {}) => {
    if (o.create === false) return null;
    made ??= loadOrCreateCa(check ? join(mkdtempSync(join(tmpdir(), 'ovnctl-check-ca-')), 'pki') : caDir);
    return made;
  };
}
