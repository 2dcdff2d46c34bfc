import { randomBytes } from 'node:crypto';
import { PkiError } from './errors.js';
import { DAY_MS, showDate } from './check.js';
import { commonName, parseRequest } from './inspect.js';
import type { SigningKey } from './keys.js';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  type X509Certificate,
  X509CertificateGenerator,
} from './x509.js';

export interface SignOptions {
  /** The host's name: the request must ask for exactly this CN, and the certificate carries it. */
  cn: string;
  /** Validity in days; 365 by default. */
  days?: number;
  now?: Date;
}

/** notBefore is set back this much so that a host whose clock is a little behind accepts a new certificate. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** A CA certificate with its key, and the file it came from (for messages). */
export interface Issuer {
  cert: X509Certificate;
  certFile: string;
  key: SigningKey;
}

/**
 * Signs a host's certificate request. One certificate serves as server and client (ovsdb-server, RAFT peers,
 * ovn-controller, northd), hence both extended key usages.
 */
export async function issueCertificate(ca: Issuer, csrPem: string, opts: SignOptions): Promise<string> {
  const now = opts.now ?? new Date();
  if (ca.cert.notAfter <= now)
    throw new PkiError(`CA certificate ${ca.certFile} expired on ${showDate(ca.cert.notAfter)}`, ca.certFile);
  const csr = parseRequest(csrPem, opts.cn);
  if (!(await csr.verify().catch(() => false)))
    throw new PkiError(`the certificate request of ${opts.cn} is not signed by its own key (damaged or altered)`);
  if (commonName(csr) !== opts.cn)
    throw new PkiError(`the certificate request of ${opts.cn} is for ${csr.subject}, not CN=${opts.cn}`);
  const cert = await X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [opts.cn] }],
    issuer: ca.cert.subjectName,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + (opts.days ?? 365) * DAY_MS),
    publicKey: csr.publicKey,
    signingKey: ca.key.key,
    signingAlgorithm: ca.key.algorithm,
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment, true),
      new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth, ExtendedKeyUsage.clientAuth]),
      await SubjectKeyIdentifierExtension.create(csr.publicKey),
      await authorityKeyId(ca.cert),
    ],
  });
  return `${cert.toString('pem')}\n`;
}

/**
 * The CA's own subject key identifier when it has one: OpenSSL builds chains by matching AKI to the CA's SKI, and
 * a CA made elsewhere may have computed its SKI some other way than the SHA-1 of its key.
 */
async function authorityKeyId(caCert: X509Certificate): Promise<AuthorityKeyIdentifierExtension> {
  const ski = caCert.getExtension(SubjectKeyIdentifierExtension);
  return ski
    ? new AuthorityKeyIdentifierExtension(ski.keyId)
    : AuthorityKeyIdentifierExtension.create(caCert.publicKey);
}

/** A random serial of 16 bytes, hex: top bit clear (positive) and second bit set (no leading zero byte dropped). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x3f) | 0x40;
  return bytes.toString('hex');
}
