import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { PkiError } from './errors.js';
import { fsReason } from './files.js';

/** A CA's private key, imported for signing only: WebCrypto will not export it again. */
export interface SigningKey {
  readonly key: CryptoKey;
  /** The matching public key (DER SubjectPublicKeyInfo), to check that a certificate belongs to the key. */
  readonly spki: Buffer;
  /** The signature algorithm: the hash follows the key (an EC P-384 key signs with SHA-384). */
  readonly algorithm: SignatureAlgorithm;
}

/** WebCrypto's import and sign parameters in one: `namedCurve` for EC keys, the hash for both. */
export interface SignatureAlgorithm {
  name: 'RSASSA-PKCS1-v1_5' | 'ECDSA';
  hash: 'SHA-256' | 'SHA-384';
  namedCurve?: 'P-256' | 'P-384';
}

/**
 * Reads a PEM private key (PKCS#1, PKCS#8 or SEC1; RSA or EC P-256/P-384), refusing it first if group or others
 * may read it, as ssh refuses loose keys.
 */
export async function readSigningKey(file: string): Promise<SigningKey> {
  await checkKeyMode(file);
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw new PkiError(`cannot read private key ${file}: ${fsReason(err)}`, file);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    // Node's reason ("DECODER routines::unsupported") helps nobody: the message says what is accepted.
    throw new PkiError(`${file} is not an unencrypted PEM private key (PKCS#1, PKCS#8 or SEC1)`, file);
  }
  return toSigningKey(key, file);
}

async function checkKeyMode(file: string): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(file)).mode & 0o777;
  } catch (err) {
    throw new PkiError(`cannot read private key ${file}: ${fsReason(err)}`, file);
  }
  if ((mode & 0o077) !== 0) {
    const octal = mode.toString(8).padStart(4, '0');
    throw new PkiError(`private key ${file} is readable by others (mode ${octal}); run: chmod 600 ${file}`, file);
  }
}

/** Hands a node:crypto key to WebCrypto (what @peculiar/x509 signs with) as PKCS#8, non-extractable. */
export async function toSigningKey(key: KeyObject, file: string): Promise<SigningKey> {
  const algorithm = signatureAlgorithm(key, file);
  const pkcs8 = new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }));
  const imported = await crypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']);
  return { key: imported, spki: createPublicKey(key).export({ type: 'spki', format: 'der' }), algorithm };
}

function signatureAlgorithm(key: KeyObject, file: string): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    if (curve === 'secp384r1') return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
  }
  const kind = key.asymmetricKeyType === 'ec' ? `an EC ${key.asymmetricKeyDetails?.namedCurve} key` : 'not RSA or EC';
  throw new PkiError(`private key ${file} is ${kind}: a CA key must be RSA or EC P-256/P-384`, file);
}
