import { PkiError } from './errors.js';
import { Pkcs10CertificateRequest, X509Certificate } from './x509.js';

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

/** The subject's CN, or undefined when there is not exactly one. */
export function commonName(subject: X509Certificate | Pkcs10CertificateRequest): string | undefined {
  const cns = subject.subjectName.getField('CN');
  return cns.length === 1 ? cns[0] : undefined;
}

/** The public key of a certificate or request as DER SubjectPublicKeyInfo: equal bytes, same key. */
export function spki(holder: X509Certificate | Pkcs10CertificateRequest): Buffer {
  return Buffer.from(holder.publicKey.rawData);
}
