// What a run needs of the CA and of the hosts' certificates when nothing is to be signed, with node:crypto
// alone: the CA certificate checked against its key, and each host's certificate judged (issuer, key, name,
// days left). So a rerun with TLS, where every certificate is fine, never loads the X.509 library (~0.1 s);
// signing (index.ts) loads it on first use.
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PkiError } from './errors.js';
import { fsReason } from './files.js';

export const DAY_MS = 86_400_000;

export type CertificateStatus = { ok: true; daysLeft: number; notAfter: Date } | { ok: false; reason: string };

export interface CheckOptions {
  /** The host's name: the certificate must be issued for exactly this CN. */
  cn: string;
  /** sha256 (hex) of the DER public key the certificate must carry: the host's key. */
  publicKeySha256: string;
  /** A certificate with fewer days left than this is due for renewal. */
  renewDays: number;
  now?: Date;
}

/** sha256 (hex) of a DER SubjectPublicKeyInfo: what the hostTls fact computes with openssl on the host. */
export function spkiSha256(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/**
 * The public half of a PEM key (private, or public as openssl prints it), as spkiSha256; PkiError (never
 * quoting the key) when unreadable.
 */
export function keyPublicSha256(keyPem: string, what: string): string {
  try {
    return spkiSha256(createPublicKey(keyPem).export({ type: 'spki', format: 'der' }));
  } catch {
    throw new PkiError(`${what} is not an unencrypted PEM private key (PKCS#1, PKCS#8 or SEC1)`);
  }
}

function parse(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/** The subject's CN, or undefined when there is not exactly one (node prints one `KEY=value` a line). */
function commonName(cert: X509Certificate): string | undefined {
  const cns = cert.subject.split('\n').filter((l) => l.startsWith('CN='));
  return cns.length === 1 ? cns[0].slice(3) : undefined;
}

/** Two PEM texts of the same object (line ends and surrounding space aside). */
export function samePem(a: string | null, b: string): boolean {
  return a !== null && a.replace(/\r/g, '').trim() === b.replace(/\r/g, '').trim();
}

/** A date as users read it in a message: 2027-01-31 14:05 UTC. */
export function showDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export interface CertificateInfo {
  /** The subject's CN; undefined when it has none or several. */
  cn: string | undefined;
  notAfter: Date;
}

/** The CN and end date of a PEM certificate; undefined when the text is not one. */
export function certificateInfo(pem: string): CertificateInfo | undefined {
  const cert = parse(pem);
  return cert && { cn: commonName(cert), notAfter: new Date(cert.validTo) };
}

/**
 * Whether a host's certificate can stay: signed by the CA (`caPem`), for the host's key, for `o.cn`, and not
 * due for renewal; else why not, in words.
 */
export function checkCertificate(caPem: string, certPem: string | null, o: CheckOptions): CertificateStatus {
  if (certPem === null) return no('no certificate');
  const cert = parse(certPem);
  if (!cert) return no('not a certificate');
  if (!issuedBy(cert, caPem)) return no('signed by another CA');
  if (spkiSha256(cert.publicKey.export({ type: 'spki', format: 'der' })) !== o.publicKeySha256)
    return no("does not match the host's key");
  const cn = commonName(cert);
  if (cn !== o.cn) return no(`issued for another name (${cn ?? cert.subject.replace(/\n/g, ', ')})`);
  const now = o.now ?? new Date();
  const notAfter = new Date(cert.validTo);
  if (notAfter <= now) return no(`expired on ${showDate(notAfter)}`);
  const left = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  if (left < o.renewDays) return no(`expires in ${left} days`);
  return { ok: true, daysLeft: left, notAfter };
}

const no = (reason: string): CertificateStatus => ({ ok: false, reason });

/** The issuer name is the CA's subject (and the key identifiers agree) and the CA's key verifies the signature. */
function issuedBy(cert: X509Certificate, caPem: string): boolean {
  try {
    const ca = new X509Certificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** ovs-pki's layout of one CA directory: `cacert.pem` is what hosts trust, `private/cakey.pem` the key. */
export function caFiles(dir: string): { certFile: string; keyFile: string } {
  return { certFile: join(dir, 'cacert.pem'), keyFile: join(dir, 'private', 'cakey.pem') };
}

/** A CA certificate as hosts get it, checked to be a CA and to match its key file (exit 5 otherwise). */
export interface CaCertificate {
  certPem: string;
  certFile: string;
  notAfter: Date;
}

/**
 * Reads a CA's certificate and checks it against its key without the X.509 library: a CA (CA:TRUE), whose
 * public key is the key file's. Messages name the files and never quote the key.
 */
export async function readCaCertificate(certFile: string, keyFile: string): Promise<CaCertificate> {
  const read = async (file: string, what: string) => {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new PkiError(`cannot read ${what} ${file}: ${fsReason(err)}`, file);
    }
  };
  const text = await read(certFile, 'CA certificate');
  const cert = parse(text);
  if (!cert) throw new PkiError(`CA certificate ${certFile} is not a PEM certificate`, certFile);
  if (!cert.ca) throw new PkiError(`${certFile} is not a CA certificate (needs CA:TRUE and keyCertSign)`, certFile);
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(await read(keyFile, 'CA key')));
  } catch (err) {
    if (err instanceof PkiError) throw err;
    throw new PkiError(`${keyFile} is not an unencrypted PEM private key (PKCS#1, PKCS#8 or SEC1)`, keyFile);
  }
  if (!matches) throw new PkiError(`CA certificate ${certFile} does not match the private key ${keyFile}`, certFile);
  return { certPem: cert.toString(), certFile, notAfter: new Date(cert.validTo) };
}
