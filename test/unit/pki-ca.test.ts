// The CA ovnctl keeps (created on first use, ovs-pki's layout, owner-only key) and a CA the user brings (RSA PKCS#1
// or EC keys made by the system openssl). Certificates issued here are checked by `openssl verify`, not by us.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caFiles, loadCa, loadOrCreateCa, PkiError } from '../../src/pki/index.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ovnctl-pki-ca-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const openssl = (...args: string[]) =>
  execFileSync('openssl', args, { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const mode = (file: string) => statSync(file).mode & 0o777;

/** A host's key and request, as the host makes them: `openssl req -new -newkey rsa:2048 -nodes`. */
function hostCsr(cn: string): string {
  openssl(
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    `${cn}.key`,
    '-out',
    `${cn}.csr`,
  );
  return readFileSync(join(tmp, `${cn}.csr`), 'utf8');
}

/** Signs a request from `n1` with `ca` and has openssl verify the chain; returns `openssl x509 -text`. */
async function signAndVerify(ca: { sign: (csr: string, o: { cn: string }) => Promise<string> }, caCert: string) {
  writeFileSync(join(tmp, 'n1.crt'), await ca.sign(hostCsr('n1'), { cn: 'n1' }));
  expect(openssl('verify', '-CAfile', caCert, 'n1.crt').trim()).toBe('n1.crt: OK');
  return openssl('x509', '-in', 'n1.crt', '-noout', '-text');
}

/** A CA certificate for `key.pem` made by openssl itself, with the given extra -addext options. */
function opensslCa(key: string, ...addext: string[]): void {
  const ext = addext.flatMap((e) => ['-addext', e]);
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-subj',
    '/O=Example/CN=Example CA',
    '-days',
    '30',
    '-out',
    'ca.pem',
    ...ext,
  );
}
const CA_EXT = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];

/** Runs `fn`, which must throw a PkiError; returns it. */
async function refusal(fn: () => Promise<unknown>): Promise<PkiError> {
  const err = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PkiError);
  return err as PkiError;
}

/** Every way an error might be shown or logged: none may carry any part of the key. */
function expectNoKeyIn(err: unknown, keyPem: string): void {
  const body = keyPem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
  const shown = [String(err), inspect(err, { depth: 10, showHidden: true }), JSON.stringify(err)].join('\n');
  expect(shown).not.toContain('PRIVATE KEY');
  for (const line of body) expect(shown).not.toContain(line);
}

describe('the CA ovnctl keeps', () => {
  it("is created on first use in ovs-pki's layout: private/ 0700, key 0600, certificate 0644", async () => {
    const dir = join(tmp, 'state', 'ca');
    const ca = await loadOrCreateCa(dir);
    const { certFile, keyFile } = caFiles(dir);
    expect(certFile).toBe(join(dir, 'cacert.pem'));
    expect(keyFile).toBe(join(dir, 'private', 'cakey.pem'));
    expect(readdirSync(dir).sort()).toEqual(['cacert.pem', 'private']);
    expect(readdirSync(join(dir, 'private'))).toEqual(['cakey.pem']);
    expect(mode(join(dir, 'private'))).toBe(0o700);
    expect(mode(keyFile)).toBe(0o600);
    expect(mode(certFile)).toBe(0o644);
    expect(ca.certFile).toBe(certFile);
    expect(ca.certPem).toBe(readFileSync(certFile, 'utf8'));
    // Nothing left beside the CA directory by the build-then-rename.
    expect(readdirSync(join(tmp, 'state'))).toEqual(['ca']);
  });

  it('is a 10-year self-signed RSA 2048 SHA-256 CA: critical CA:TRUE and keyCertSign+cRLSign, an SKI', async () => {
    const ca = await loadOrCreateCa(join(tmp, 'ca'));
    const text = openssl('x509', '-in', ca.certFile, '-noout', '-text');
    expect(text).toMatch(/Subject: O = ovnctl, CN = ovnctl CA [0-9a-f]{8}\n/);
    expect(text).toContain('Public-Key: (2048 bit)');
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
    expect(text).toContain('X509v3 Subject Key Identifier:');
    expect(openssl('verify', '-CAfile', ca.certFile, ca.certFile).trim()).toBe(`${ca.certFile}: OK`);
    const years = (ca.notAfter.getTime() - Date.now()) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(9.99);
    expect(years).toBeLessThan(10.01);
    // The private key file is one openssl reads as RSA 2048.
    expect(openssl('pkey', '-in', caFiles(join(tmp, 'ca')).keyFile, '-noout', '-text')).toContain('(2048 bit');
  });

  it('is loaded again unchanged on the next call', async () => {
    const dir = join(tmp, 'ca');
    const first = await loadOrCreateCa(dir);
    const { certFile, keyFile } = caFiles(dir);
    const [cert, key] = [readFileSync(certFile), readFileSync(keyFile)];
    const second = await loadOrCreateCa(dir);
    expect(second.certPem).toBe(first.certPem);
    expect(readFileSync(certFile).equals(cert)).toBe(true);
    expect(readFileSync(keyFile).equals(key)).toBe(true);
    await signAndVerify(second, certFile);
  });

  it('is created once when runs race: every run gets the same CA', async () => {
    const dir = join(tmp, 'ca');
    const cas = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateCa(dir)));
    expect(new Set(cas.map((c) => c.certPem)).size).toBe(1);
    expect(cas[0].certPem).toBe(readFileSync(caFiles(dir).certFile, 'utf8'));
    expect(readdirSync(tmp)).toEqual(['ca']);
    await signAndVerify(cas[3], caFiles(dir).certFile);
  });

  it('is refused when its key is readable by group or others, naming the file and the fix', async () => {
    const dir = join(tmp, 'ca');
    await loadOrCreateCa(dir);
    const { keyFile } = caFiles(dir);
    for (const [loose, shown] of [
      [0o644, '0644'],
      [0o640, '0640'],
      [0o604, '0604'],
    ] as const) {
      chmodSync(keyFile, loose);
      const err = await refusal(() => loadOrCreateCa(dir));
      expect(err.message).toBe(
        `private key ${keyFile} is readable by others (mode ${shown}); run: chmod 600 ${keyFile}`,
      );
      expect(err.file).toBe(keyFile);
      expectNoKeyIn(err, readFileSync(keyFile, 'utf8'));
    }
    chmodSync(keyFile, 0o400);
    await expect(loadOrCreateCa(dir)).resolves.toBeDefined();
  });

  it('is not made again over a certificate whose key is missing: hosts trust that certificate', async () => {
    const dir = join(tmp, 'ca');
    await loadOrCreateCa(dir);
    const { certFile, keyFile } = caFiles(dir);
    const cert = readFileSync(certFile, 'utf8');
    rmSync(keyFile);
    const err = await refusal(() => loadOrCreateCa(dir));
    expect(err.message).toBe(`cannot read private key ${keyFile}: ENOENT: no such file or directory`);
    expect(readFileSync(certFile, 'utf8')).toBe(cert);
  });

  it('is not made in a directory that holds other files', async () => {
    const dir = join(tmp, 'ca');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    const err = await refusal(() => loadOrCreateCa(dir));
    expect(err.message).toContain(`${dir} holds other files but no CA`);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    expect(readdirSync(tmp)).toEqual(['ca']);
  });

  it('never exposes its key: not on the object, not in what inspect shows', async () => {
    const dir = join(tmp, 'ca');
    const ca = await loadOrCreateCa(dir);
    expect(Object.keys(ca).sort()).toEqual(['certFile', 'certPem', 'notAfter', 'sign']);
    expectNoKeyIn(ca, readFileSync(caFiles(dir).keyFile, 'utf8'));
  });
});

describe("a user's own CA (tls.ca)", () => {
  it('signs with an RSA key in PKCS#1 ("BEGIN RSA PRIVATE KEY")', async () => {
    openssl('genrsa', '-traditional', '-out', 'ca.key', '2048');
    chmodSync(join(tmp, 'ca.key'), 0o600);
    expect(readFileSync(join(tmp, 'ca.key'), 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    opensslCa('ca.key', ...CA_EXT);
    const ca = await loadCa(join(tmp, 'ca.pem'), join(tmp, 'ca.key'));
    expect(ca.certFile).toBe(join(tmp, 'ca.pem'));
    const text = await signAndVerify(ca, 'ca.pem');
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(text).toContain('Issuer: O = Example, CN = Example CA');
  });

  it.each([
    ['P-256 in SEC1 ("BEGIN EC PRIVATE KEY")', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout'], 'SHA256'],
    ['P-384 in PKCS#8', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], 'SHA384'],
  ])('signs with an EC key, %s, and the hash that matches the curve', async (_, genkey, hash) => {
    openssl(...genkey, '-out', 'ca.key');
    chmodSync(join(tmp, 'ca.key'), 0o600);
    opensslCa('ca.key', ...CA_EXT);
    const ca = await loadCa(join(tmp, 'ca.pem'), join(tmp, 'ca.key'));
    const text = await signAndVerify(ca, 'ca.pem');
    expect(text).toContain(`Signature Algorithm: ecdsa-with-${hash}`);
  });

  it("keeps the CA's own subject key identifier as the authority key identifier", async () => {
    // Not the SHA-1 of the key: a certificate whose AKI were computed would not chain in OpenSSL.
    openssl('genrsa', '-out', 'ca.key', '2048');
    chmodSync(join(tmp, 'ca.key'), 0o600);
    // (An explicit AKI: by default openssl 3 puts the key's SHA-1 in this CA's own AKI, which then does not chain.)
    opensslCa('ca.key', ...CA_EXT, 'subjectKeyIdentifier=0102030405060708', 'authorityKeyIdentifier=keyid:always');
    const text = await signAndVerify(await loadCa(join(tmp, 'ca.pem'), join(tmp, 'ca.key')), 'ca.pem');
    expect(text).toMatch(/X509v3 Authority Key Identifier:\s+01:02:03:04:05:06:07:08\n/);
  });

  it('is refused when it is not a CA, does not match its key, or is not a certificate, naming the file', async () => {
    openssl('genrsa', '-out', 'ca.key', '2048');
    openssl('genrsa', '-out', 'other.key', '2048');
    chmodSync(join(tmp, 'ca.key'), 0o600);
    const [certFile, keyFile] = [join(tmp, 'ca.pem'), join(tmp, 'ca.key')];
    const keyPem = readFileSync(keyFile, 'utf8');
    const cases: [string, () => void, string][] = [
      [
        'not a CA',
        () => opensslCa('ca.key', 'basicConstraints=critical,CA:FALSE'),
        `${certFile} is not a CA certificate (needs CA:TRUE and keyCertSign)`,
      ],
      [
        'CA without keyCertSign',
        () => opensslCa('ca.key', 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,digitalSignature'),
        `${certFile} is not a CA certificate (needs CA:TRUE and keyCertSign)`,
      ],
      [
        'another key',
        () => opensslCa('other.key', ...CA_EXT),
        `CA certificate ${certFile} does not match the private key ${keyFile}`,
      ],
      ['garbage', () => writeFileSync(certFile, keyPem), `CA certificate ${certFile} is not a PEM certificate`],
    ];
    for (const [, make, message] of cases) {
      make();
      const err = await refusal(() => loadCa(certFile, keyFile));
      expect(err.message).toBe(message);
      expect(err.file).toBe(certFile);
      expectNoKeyIn(err, keyPem);
    }
  });

  it('is refused when its key is encrypted, of another kind, or not a key, without quoting the file', async () => {
    openssl('genrsa', '-aes256', '-passout', 'pass:secret', '-out', 'enc.key', '2048');
    openssl('genpkey', '-algorithm', 'ed25519', '-out', 'ed.key');
    openssl('ecparam', '-name', 'secp521r1', '-genkey', '-noout', '-out', 'p521.key');
    writeFileSync(join(tmp, 'junk.key'), 'not a key\n');
    const cases: [string, string][] = [
      ['enc.key', 'is not an unencrypted PEM private key (PKCS#1, PKCS#8 or SEC1)'],
      ['junk.key', 'is not an unencrypted PEM private key (PKCS#1, PKCS#8 or SEC1)'],
      ['ed.key', 'is not RSA or EC: a CA key must be RSA or EC P-256/P-384'],
      ['p521.key', 'is an EC secp521r1 key: a CA key must be RSA or EC P-256/P-384'],
    ];
    for (const [name, message] of cases) {
      const keyFile = join(tmp, name);
      chmodSync(keyFile, 0o600);
      const err = await refusal(() => loadCa(join(tmp, 'none.pem'), keyFile));
      expect(err.message).toContain(`${keyFile} ${message}`);
      expect(err.file).toBe(keyFile);
      expectNoKeyIn(err, readFileSync(keyFile, 'utf8'));
    }
  });
});
