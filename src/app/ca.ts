// The run's CA (tls.enabled), on the machine that runs ovnctl: the user's own (`tls.ca`) or the one
// ovnctl keeps in tls.caDir. An existing CA is checked before any host is contacted, so a broken one is
// bad input (exit 5), with node:crypto only; the X.509 library (~0.1 s to load) is loaded when a
// certificate is to be signed, so a rerun where every certificate is fine never loads it. A missing CA is
// created on first use by a module that signs - in check mode in a throwaway directory, so --check
// writes nothing.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inventory } from '../inventory/types.js';
import type { CaProvider } from '../operations/module.js';
import { caFiles, readCaCertificate } from '../pki/check.js';
import type { Ca } from '../pki/index.js';

const pki = () => import('../pki/index.js');

export async function openCa(inv: Inventory, check: boolean): Promise<CaProvider | undefined> {
  if (!inv.tls.enabled) return undefined;
  const { ca, caDir } = inv.tls;
  const files = ca ? { certFile: ca.cert, keyFile: ca.key } : caFiles(caDir);
  if (ca || existsSync(files.keyFile)) {
    const cert = await readCaCertificate(files.certFile, files.keyFile);
    let signer: Promise<Ca> | undefined;
    const existing: Ca = {
      ...cert,
      sign: async (csrPem, o) => {
        signer ??= pki().then((p) => p.loadCa(files.certFile, files.keyFile));
        return (await signer).sign(csrPem, o);
      },
    };
    return async () => existing;
  }
  let made: Promise<Ca> | undefined;
  return async (o = {}) => {
    if (o.create === false) return null;
    const dir = check ? join(mkdtempSync(join(tmpdir(), 'ovnctl-check-ca-')), 'pki') : caDir;
    made ??= pki().then((p) => p.loadOrCreateCa(dir));
    return made;
  };
}
