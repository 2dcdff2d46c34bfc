// Signing a host's certificate request as the host makes it (`openssl req -new -newkey rsa:2048 -nodes`): the
// certificate chains to the CA in `openssl verify`, serves as TLS server and client, and carries exactly the
// host's name. Requests for another name, altered or unreadable ones are refused.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ca, caFiles, certificateInfo, loadOrCreateCa, PkiError } from '../../src/pki/index.js';

let tmp: string;
let ca: Ca;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ovnctl-pki-sign-'));
  ca = await loadOrCreateCa(join(tmp, 'ca'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const openssl = (...args: string[]) =>
  execFileSync('openssl', args, { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function hostCsr(name: string, subj: string): string {
  openssl(
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    subj,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  return readFileSync(join(tmp, `${name}.csr`), 'utf8');
}

async function refusal(csr: string, cn: string): Promise<PkiError> {
  const err = await ca.sign(csr, { cn }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PkiError);
  const shown = [String(err), inspect(err, { showHidden: true, depth: 10 })].join('\n');
  const keyBody = readFileSync(caFiles(join(tmp, 'ca')).keyFile, 'utf8').split('\n')[1];
  expect(shown).not.toContain(keyBody);
  return err as PkiError;
}

describe('Ca.sign', () => {
  it('issues a certificate openssl verifies against cacert.pem, for TLS server and client', async () => {
    writeFileSync(join(tmp, 'n1.crt'), await ca.sign(hostCsr('n1', '/CN=n1'), { cn: 'n1' }));
    expect(openssl('verify', '-CAfile', ca.certFile, 'n1.crt').trim()).toBe('n1.crt: OK');
    expect(openssl('verify', '-CAfile', ca.certFile, '-purpose', 'sslserver', 'n1.crt').trim()).toBe('n1.crt: OK');
    expect(openssl('verify', '-CAfile', ca.certFile, '-purpose', 'sslclient', 'n1.crt').trim()).toBe('n1.crt: OK');
    const text = openssl('x509', '-in', 'n1.crt', '-noout', '-text');
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Server Authentication, TLS Web Client Authentication\n/);
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(text).toContain('Subject: CN = n1\n');
    expect(text).toMatch(/Issuer: O = ovnctl, CN = ovnctl CA [0-9a-f]{8}\n/);
    const caSki = /Subject Key Identifier:\s+(\S+)/.exec(openssl('x509', '-in', ca.certFile, '-noout', '-text'))?.[1];
    expect(text).toMatch(/X509v3 Subject Key Identifier:\s+\S+/);
    expect(/Authority Key Identifier:\s+(\S+)/.exec(text)?.[1]).toBe(caSki);
    // The certificate is for the host's key: the one in its request.
    const pub = (args: string[]) => openssl(...args, '-noout', '-pubkey');
    expect(pub(['x509', '-in', 'n1.crt'])).toBe(pub(['req', '-in', 'n1.csr']));
  });

  it('gives 16-byte positive random serials, notBefore 5 min back, notAfter `days` on (365 by default)', async () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const csr = hostCsr('n1', '/CN=n1');
    const serials = new Set<string>();
    for (const days of [undefined, 30]) {
      writeFileSync(join(tmp, 'dated.crt'), await ca.sign(csr, { cn: 'n1', now, ...(days ? { days } : {}) }));
      const dates = openssl('x509', '-in', 'dated.crt', '-noout', '-startdate', '-enddate', '-serial');
      expect(dates).toContain('notBefore=Mar  1 11:55:00 2026 GMT');
      expect(dates).toContain(days ? 'notAfter=Mar 31 12:00:00 2026 GMT' : 'notAfter=Mar  1 12:00:00 2027 GMT');
      const serial = /serial=([0-9A-F]+)/.exec(dates)?.[1] ?? '';
      expect(serial).toMatch(/^[4-7][0-9A-F]{31}$/);
      serials.add(serial);
    }
    expect(serials.size).toBe(2);
  });

  it('puts exactly CN=<cn> in the subject, whatever else the request asks for', async () => {
    const csr = hostCsr('extra', '/O=Evil Corp/OU=x/CN=n1');
    const cert = await ca.sign(csr, { cn: 'n1' });
    writeFileSync(join(tmp, 'extra.crt'), cert);
    expect(openssl('x509', '-in', 'extra.crt', '-noout', '-subject').trim()).toBe('subject=CN = n1');
    expect(certificateInfo(cert)?.cn).toBe('n1');
  });

  it('refuses a request for another name, naming both', async () => {
    const err = await refusal(hostCsr('n2', '/CN=n2'), 'n1');
    expect(err.message).toBe('the certificate request of n1 is for CN=n2, not CN=n1');
  });

  it('refuses a request with no CN or two', async () => {
    expect((await refusal(hostCsr('none', '/O=ovnctl'), 'n1')).message).toBe(
      'the certificate request of n1 is for O=ovnctl, not CN=n1',
    );
    expect((await refusal(hostCsr('two', '/CN=n1/CN=n2'), 'n1')).message).toBe(
      'the certificate request of n1 is for CN=n1, CN=n2, not CN=n1',
    );
  });

  it('refuses an altered request: the name changed after the host signed it', async () => {
    const csr = hostCsr('n1', '/CN=n1');
    const der = Buffer.from(csr.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    const at = der.indexOf(Buffer.from('n1'));
    expect(at).toBeGreaterThan(0);
    der.write('n3', at);
    const pem = (tag: string) => `-----${tag} CERTIFICATE REQUEST-----`;
    const altered = `${pem('BEGIN')}\n${der.toString('base64')}\n${pem('END')}\n`;
    expect((await refusal(altered, 'n3')).message).toBe(
      'the certificate request of n3 is not signed by its own key (damaged or altered)',
    );
  });

  it('refuses text that is not a certificate request', async () => {
    expect((await refusal('garbage\n', 'n1')).message).toBe(
      'the certificate request of n1 is not a PEM certificate request',
    );
    expect((await refusal(ca.certPem, 'n1')).message).toBe(
      'the certificate request of n1 is not a PEM certificate request',
    );
  });

  it('refuses to sign once the CA has expired, naming its file', async () => {
    const csr = hostCsr('n1', '/CN=n1');
    const justBefore = new Date(ca.notAfter.getTime() - 1000);
    await expect(ca.sign(csr, { cn: 'n1', now: justBefore })).resolves.toContain('-----BEGIN CERTIFICATE-----');
    const late = new Date(ca.notAfter.getTime() + 1000);
    const expired = await ca.sign(csr, { cn: 'n1', now: late }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(expired).toBeInstanceOf(PkiError);
    expect((expired as PkiError).message).toMatch(new RegExp(`^CA certificate ${ca.certFile} expired on \\d{4}-`));
    expect((expired as PkiError).file).toBe(ca.certFile);
  });
});
