import { X509Certificate as OpenSslCertificate } from 'node:crypto';
import type { Ca } from './ca.js';
import { commonName, daysLeft, parseCertificate, parseRequest, showDate, spki } from './inspect.js';
import { publicKeyOf } from './keys.js';

export interface StatusOptions {
  /** The host's name: the certificate must be issued for exactly this CN. */
  cn: string;
  /** A certificate with fewer days left than this is due for renewal. */
  renewDays: number;
  now?: Date;
}

export type CertificateStatus = { ok: true; daysLeft: number; notAfter: Date } | { ok: false; reason: string };

/**
 * Whether a host's certificate can stay: issued by `ca`, for the key of the host's certificate request, for
 * `opts.cn`, and not due for renewal. Synchronous: node:crypto checks the signature (WebCrypto only does so
 * asynchronously). Throws PkiError when the request itself is not readable.
 */
export function certificateStatus(
  ca: Pick<Ca, 'certPem'>,
  certPem: string | null,
  csrPem: string,
  opts: StatusOptions,
): CertificateStatus {
  return status(ca, certPem, spki(parseRequest(csrPem, opts.cn)), opts);
}

/**
 * The same for a certificate and key the user made for a host (`hosts.<name>.tls`): the certificate must be for
 * that private key (PEM). Throws PkiError, which never quotes the key, when the key is not readable.
 */
export function hostCertificateStatus(
  ca: Pick<Ca, 'certPem'>,
  certPem: string | null,
  keyPem: string,
  opts: StatusOptions,
): CertificateStatus {
  return status(ca, certPem, publicKeyOf(keyPem, `the private key of ${opts.cn}`), opts);
}

function status(
  ca: Pick<Ca, 'certPem'>,
  certPem: string | null,
  hostKey: Buffer,
  opts: StatusOptions,
): CertificateStatus {
  if (certPem === null) return no('no certificate');
  const cert = parseCertificate(certPem);
  if (!cert) return no('not a certificate');
  if (!issuedBy(certPem, ca.certPem)) return no('signed by another CA');
  if (!spki(cert).equals(hostKey)) return no("does not match the host's key");
  const cn = commonName(cert);
  if (cn !== opts.cn) return no(`issued for another name (${cn ?? cert.subject})`);
  const now = opts.now ?? new Date();
  if (cert.notAfter <= now) return no(`expired on ${showDate(cert.notAfter)}`);
  const left = daysLeft(certPem, now);
  if (left < opts.renewDays) return no(`expires in ${left} days`);
  return { ok: true, daysLeft: left, notAfter: cert.notAfter };
}

const no = (reason: string): CertificateStatus => ({ ok: false, reason });

/** The issuer name is the CA's subject (and the key identifiers agree) and the CA's key verifies the signature. */
function issuedBy(certPem: string, caPem: string): boolean {
  try {
    const cert = new OpenSslCertificate(certPem);
    const ca = new OpenSslCertificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}
