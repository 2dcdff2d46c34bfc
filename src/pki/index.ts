// The PKI ovnctl runs on its own machine: the CA it keeps (or the user's), signing hosts' requests, and checking
// the certificates hosts hold. Other layers import from here only.
export { type Ca, loadCa } from './ca.js';
export { type CertificateStatus, caFiles, certificateInfo, checkCertificate, keyPublicSha256 } from './check.js';
export { loadOrCreateCa } from './create-ca.js';
export { PkiError } from './errors.js';
export type { SignOptions } from './sign.js';
