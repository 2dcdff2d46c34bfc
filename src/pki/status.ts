import type { Ca } from './ca.js';
import { type CertificateStatus, checkCertificate, spkiSha256 } from './check.js';
import { parseRequest, spki } from './inspect.js';
import { publicKeyOf } from './keys.js';

export interface StatusOptions {
  /** The host's name: the certificate must be issued for exactly this CN. */
  cn: string;
  /** A certificate with fewer days left than this is due for renewal. */
  renewDays: number;
  now?: Date;
}

export type { CertificateStatus };

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

function status(ca: Pick<Ca, 'certPem'>, certPem: string | null, hostKey: Buffer, opts: StatusOptions) {
  return checkCertificate(ca.certPem, certPem, { ...opts, publicKeySha256: spkiSha256(hostKey) });
}
