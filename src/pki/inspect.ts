import { DAY_MS } from './check.js';
import { PkiError } from './errors.js';
import { Pkcs10CertificateRequest, X509Certificate } from './x509.js';

export { DAY_MS, showDate } from './check.js';

/** A PEM certificate parsed, or undefined when the text is not one. */
export function parseCertificate(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/** A host's PEM certificate request (what `openssl req -new` prints), parsed; `cn` names the host in errors. */
export function parseRequest(pem: string, cn: string): Pkcs10CertificateRequest {
  try {
    return new Pkcs10CertificateRequest(pem);
  } catch {
    throw new PkiError(`the certificate request of ${cn} is not a PEM certificate request`);
  }
}

/** The CN a host's certificate request asks for (undefined when not exactly one); PkiError when unreadable. */
export function requestCommonName(csrPem: string): string | undefined {
  return commonName(parseRequest(csrPem, 'the host'));
}

/** The subject's CN, or undefined when there is not exactly one. */
export function commonName(subject: X509Certificate | Pkcs10CertificateRequest): string | undefined {
  const cns = subject.subjectName.getField('CN');
  return cns.length === 1 ? cns[0] : undefined;
}

/** The public key of a certificate or request as DER SubjectPublicKeyInfo: equal bytes, same key. */
export function spki(holder: X509Certificate | Pkcs10CertificateRequest): Buffer {
  return Buffer.from(holder.publicKey.rawData);
}

/** What `ovnctl verify` shows of a certificate. */
export interface CertificateInfo {
  /** The subject's CN; undefined when it has none or several. */
  cn: string | undefined;
  issuer: string;
  notAfter: Date;
}

export function readCertificate(certPem: string): CertificateInfo {
  const cert = parseCertificate(certPem);
  if (!cert) throw new PkiError('not a PEM certificate');
  return { cn: commonName(cert), issuer: cert.issuer, notAfter: cert.notAfter };
}

/** Whole days until the certificate expires, counted from `now`; negative once it has expired. */
export function daysLeft(certPem: string, now: Date = new Date()): number {
  return Math.floor((readCertificate(certPem).notAfter.getTime() - now.getTime()) / DAY_MS);
}
