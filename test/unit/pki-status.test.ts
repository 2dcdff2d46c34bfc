// Whether the certificate a host holds can stay, given the CA and the host's key (the public half of its
// request, or of a key the user made): each reason to issue a new one, made with `now` and `days` rather
// than by waiting. checkCertificate uses node:crypto alone; the certificates are made with the CA library.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { spkiSha256 } from '../../src/pki/check.js';
import {
  type Ca,
  certificateInfo,
  checkCertificate,
  keyPublicSha256,
  loadCa,
  loadOrCreateCa,
  PkiError,
} from '../../src/pki/index.js';
import { parseRequest, spki } from '../../src/pki/inspect.js';

let tmp: string;
let ca: Ca;
let csr: string;
const T = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;

const openssl = (...args: string[]) =>
  execFileSync('openssl', args, { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
function hostCsr(name: string, cn: string): string {
  openssl(
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  return readFileSync(join(tmp, `${name}.csr`), 'utf8');
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ovnctl-pki-status-'));
  ca = await loadOrCreateCa(join(tmp, 'ca'));
  csr = hostCsr('n1', 'n1');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The host key's public sha256 as the hostTls fact reports it: here, from the request. */
const keyOf = (req: string) => spkiSha256(spki(parseRequest(req, 'n1')));
const status = (cert: string | null, renewDays = 30, now = T) =>
  checkCertificate(ca.certPem, cert, { cn: 'n1', publicKeySha256: keyOf(csr), renewDays, now });

describe('checkCertificate', () => {
  it('keeps a good certificate, synchronously, with its days left', async () => {
    const cert = await ca.sign(csr, { cn: 'n1', now: T });
    const result = status(cert);
    expect(result).toEqual({ ok: true, daysLeft: 365, notAfter: new Date(T.getTime() + 365 * DAY) });
    expect(status(cert, 30, new Date(T.getTime() + 100 * DAY + 1))).toMatchObject({ ok: true, daysLeft: 264 });
  });

  it('asks for a certificate when there is none, or the text is not one', () => {
    expect(status(null)).toEqual({ ok: false, reason: 'no certificate' });
    expect(status('garbage\n')).toEqual({ ok: false, reason: 'not a certificate' });
    expect(status(csr)).toEqual({ ok: false, reason: 'not a certificate' });
  });

  it('replaces a certificate of another CA, even one with the same name as ours', async () => {
    const other = await loadOrCreateCa(join(tmp, 'other'));
    expect(status(await other.sign(csr, { cn: 'n1', now: T }))).toEqual({ ok: false, reason: 'signed by another CA' });
    // Same subject and key identifier as our CA, another key: only the signature tells them apart.
    openssl('genrsa', '-out', 'twin.key', '2048');
    chmodSync(join(tmp, 'twin.key'), 0o600);
    const subject = `/${new X509Certificate(ca.certPem).subject.replace('\n', '/')}`;
    const ski = /Subject Key Identifier:\s+(\S+)/.exec(openssl('x509', '-in', ca.certFile, '-noout', '-text'))?.[1];
    const ext = [`subjectKeyIdentifier=${ski?.replaceAll(':', '')}`, 'authorityKeyIdentifier=keyid:always'];
    const exts = ['basicConstraints=critical,CA:TRUE', ...ext].flatMap((e) => ['-addext', e]);
    openssl('req', '-x509', '-new', '-key', 'twin.key', '-subj', subject, '-days', '30', '-out', 'twin.pem', ...exts);
    const same = ['-noout', '-subject', '-ext', 'subjectKeyIdentifier'];
    expect(openssl('x509', '-in', 'twin.pem', ...same)).toBe(openssl('x509', '-in', ca.certFile, ...same));
    const twin = await loadCa(join(tmp, 'twin.pem'), join(tmp, 'twin.key'));
    expect(status(await twin.sign(csr, { cn: 'n1', now: T }))).toEqual({ ok: false, reason: 'signed by another CA' });
  });

  it("replaces a certificate for another key than the host's", async () => {
    const cert = await ca.sign(hostCsr('old', 'n1'), { cn: 'n1', now: T });
    expect(status(cert)).toEqual({ ok: false, reason: "does not match the host's key" });
  });

  it('replaces a certificate issued for another name', async () => {
    const n2 = hostCsr('n2', 'n2');
    const cert = await ca.sign(n2, { cn: 'n2', now: T });
    expect(checkCertificate(ca.certPem, cert, { cn: 'n1', publicKeySha256: keyOf(n2), renewDays: 30, now: T })).toEqual(
      {
        ok: false,
        reason: 'issued for another name (n2)',
      },
    );
  });

  it('renews a certificate expiring within renewDays', async () => {
    const cert = await ca.sign(csr, { cn: 'n1', now: T, days: 10 });
    expect(status(cert, 30)).toEqual({ ok: false, reason: 'expires in 10 days' });
    expect(status(cert, 10)).toMatchObject({ ok: true, daysLeft: 10 });
    expect(status(cert, 11)).toEqual({ ok: false, reason: 'expires in 10 days' });
  });

  it('replaces an expired certificate, saying when it expired', async () => {
    const cert = await ca.sign(csr, { cn: 'n1', now: new Date(T.getTime() - 400 * DAY) });
    expect(status(cert)).toEqual({ ok: false, reason: 'expired on 2026-04-27 00:00 UTC' });
  });
});

describe('a certificate and key the user made for a host', () => {
  it("checks the certificate against the host's private key instead of a request", async () => {
    const key = readFileSync(join(tmp, 'n1.key'), 'utf8');
    const opts = { cn: 'n1', renewDays: 30, now: T };
    const withKey = (cert: string, keyPem: string, o = opts) =>
      checkCertificate(ca.certPem, cert, { ...o, publicKeySha256: keyPublicSha256(keyPem, 'the private key of n1') });
    const cert = await ca.sign(csr, { cn: 'n1', now: T });
    expect(withKey(cert, key)).toMatchObject({ ok: true, daysLeft: 365 });
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'other.key');
    const other = readFileSync(join(tmp, 'other.key'), 'utf8');
    expect(withKey(cert, other)).toEqual({
      ok: false,
      reason: "does not match the host's key",
    });
    expect(withKey(cert, key, { ...opts, renewDays: 400 })).toEqual({
      ok: false,
      reason: 'expires in 365 days',
    });
    const garbage = () => withKey(cert, 'garbage');
    expect(garbage).toThrow(PkiError);
    expect(garbage).toThrow('the private key of n1 is not an unencrypted PEM private key (PKCS#1, PKCS#8 or SEC1)');
  });
});

describe('certificateInfo and the days left', () => {
  it("read a certificate's CN, issuer and expiry, and the whole days left", async () => {
    const cert = await ca.sign(csr, { cn: 'n1', now: T, days: 90 });
    expect(certificateInfo(cert)).toEqual({ cn: 'n1', notAfter: new Date('2026-08-30Z') });
    expect(new X509Certificate(cert).issuer).toBe(new X509Certificate(ca.certPem).subject);
    expect(new X509Certificate(cert).issuer).toMatch(/^O=ovnctl\nCN=ovnctl CA [0-9a-f]{8}$/);
    expect(status(cert, 0, T)).toMatchObject({ ok: true, daysLeft: 90 });
    expect(status(cert, 0, new Date(T.getTime() + 1))).toMatchObject({ ok: true, daysLeft: 89 });
    expect(status(cert, 0, new Date(T.getTime() + 91 * DAY))).toEqual({
      ok: false,
      reason: 'expired on 2026-08-30 00:00 UTC',
    });
    expect(certificateInfo('garbage')).toBeUndefined();
  });
});
