// openCa: the run's CA. None without tls.enabled; the CA in caDir loaded when it exists; created on first
// use otherwise - but never by a read-only check (create: false), and under --check in a throwaway
// directory so caDir stays untouched; the user's own CA (tls.ca) when given.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCa } from '../../src/app/ca.js';
import { caFiles, loadOrCreateCa } from '../../src/pki/index.js';
import { guideInventory } from '../helpers/inventory.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ovnctl-tls-openca-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const inv = (caDir: string, extra: object = {}) =>
  guideInventory({ tls: { enabled: true, caDir, renewDays: 30, ...extra } });

describe('openCa', () => {
  it('tls.enabled false: no provider at all', async () => {
    expect(await openCa(guideInventory(), false)).toBeUndefined();
  });

  it('no CA yet: create:false gives null, writes nothing; a signer creates it in caDir, key 0600', async () => {
    const caDir = join(tmp, 'fresh', 'pki');
    const provider = await openCa(inv(caDir), false);
    expect(await provider!({ create: false })).toBeNull();
    expect(existsSync(caDir)).toBe(false);
    const ca = await provider!();
    expect(ca?.certFile).toBe(caFiles(caDir).certFile);
    expect(statSync(caFiles(caDir).keyFile).mode & 0o777).toBe(0o600);
    // Once per run: the same CA again.
    expect(await provider!()).toBe(ca);
  });

  it('--check: a CA is made in a throwaway directory, caDir stays untouched', async () => {
    const caDir = join(tmp, 'checked', 'pki');
    const provider = await openCa(inv(caDir), true);
    const ca = await provider!();
    expect(ca).not.toBeNull();
    expect(ca!.certFile.startsWith(caDir)).toBe(false);
    expect(existsSync(caDir)).toBe(false);
  });

  it('an existing CA in caDir is loaded, also for create:false (verify)', async () => {
    const caDir = join(tmp, 'existing', 'pki');
    const made = await loadOrCreateCa(caDir);
    const provider = await openCa(inv(caDir), true);
    const ca = await provider!({ create: false });
    expect(ca?.certPem).toBe(made.certPem);
  });

  it("tls.ca: the user's CA, not caDir's", async () => {
    const own = await loadOrCreateCa(join(tmp, 'own'));
    const files = caFiles(join(tmp, 'own'));
    const provider = await openCa(
      inv(join(tmp, 'unused'), { ca: { cert: files.certFile, key: files.keyFile } }),
      false,
    );
    expect((await provider!())?.certPem).toBe(own.certPem);
    expect(existsSync(join(tmp, 'unused'))).toBe(false);
  });
});
