import { readFile } from 'node:fs/promises';
import { PkiError } from './errors.js';
import { fsReason } from './files.js';
import { parseCertificate, spki } from './inspect.js';
import { readSigningKey } from './keys.js';
import { issueCertificate, type SignOptions } from './sign.js';
import { BasicConstraintsExtension, KeyUsageFlags, KeyUsagesExtension, type X509Certificate } from './x509.js';

/** A CA ready to sign. The private key is not reachable from it: only `sign` uses it. */
export interface Ca {
  /** The CA certificate, PEM: what every host trusts. */
  readonly certPem: string;
  readonly certFile: string;
  readonly notAfter: Date;
  /** Signs a host's certificate request (PEM) for `opts.cn`; returns the certificate, PEM. */
  sign(csrPem: string, opts: SignOptions): Promise<string>;
}

/** Loads a CA from its certificate and private key files (the inventory's `tls.ca`, or the CA ovnctl keeps). */
export async function loadCa(certFile: string, keyFile: string): Promise<Ca> {
  const key = await readSigningKey(keyFile);
  let text: string;
  try {
    text = await readFile(certFile, 'utf8');
  } catch (err) {
    throw new PkiError(`cannot read CA certificate ${certFile}: ${fsReason(err)}`, certFile);
  }
  const cert = parseCertificate(text);
  if (!cert) throw new PkiError(`CA certificate ${certFile} is not a PEM certificate`, certFile);
  if (!isCa(cert)) throw new PkiError(`${certFile} is not a CA certificate (needs CA:TRUE and keyCertSign)`, certFile);
  if (!spki(cert).equals(key.spki))
    throw new PkiError(`CA certificate ${certFile} does not match the private key ${keyFile}`, certFile);
  const issuer = { cert, certFile, key };
  return {
    certPem: `${cert.toString('pem')}\n`,
    certFile,
    notAfter: cert.notAfter,
    sign: (csrPem, opts) => issueCertificate(issuer, csrPem, opts),
  };
}

/** What OpenSSL requires of an issuer: CA:TRUE, and keyCertSign when the key usage is restricted at all. */
function isCa(cert: X509Certificate): boolean {
  const usage = cert.getExtension(KeyUsagesExtension);
  const certSign = !usage || (usage.usages & KeyUsageFlags.keyCertSign) !== 0;
  return cert.getExtension(BasicConstraintsExtension)?.ca === true && certSign;
}
