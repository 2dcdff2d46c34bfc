import { generateKeyPair, randomBytes } from 'node:crypto';
import { access, chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type Ca, loadCa } from './ca.js';
import { caFiles } from './check.js';
import { PkiError } from './errors.js';
import { fsReason } from './files.js';
import { toSigningKey } from './keys.js';
import { CLOCK_SKEW_MS, randomSerial } from './sign.js';
import {
  BasicConstraintsExtension,
  type JsonName,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
} from './x509.js';

/**
 * The CA ovnctl keeps in `dir`, created on first use. Two runs may race to create it: each builds a complete CA
 * in a directory of its own next to `dir` and renames it onto `dir`, which succeeds for one run only (a rename
 * onto a non-empty directory fails); the other loads the winner's CA.
 */
export async function loadOrCreateCa(dir: string): Promise<Ca> {
  const { certFile, keyFile } = caFiles(dir);
  if (!(await exists(certFile)) && !(await exists(keyFile))) await createCa(dir, certFile);
  return loadCa(certFile, keyFile);
}

async function createCa(dir: string, certFile: string): Promise<void> {
  let tmp: string | undefined;
  try {
    await mkdir(dirname(dir), { recursive: true, mode: 0o700 });
    tmp = await mkdtemp(`${dir}.new-`);
    await writeCa(tmp);
    await rename(tmp, dir);
  } catch (err) {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(certFile))) return; // another run won
    if (code === 'ENOTEMPTY' || code === 'EEXIST')
      throw new PkiError(`${dir} holds other files but no CA (cacert.pem): give ovnctl a CA directory of its own`);
    throw err instanceof PkiError ? err : new PkiError(`cannot create the CA in ${dir}: ${fsReason(err)}`);
  }
}

const generateRsa = promisify(generateKeyPair);

/** A new CA in `dir`: RSA 2048 as ovs-pki makes (OVS/OVN run with RSA everywhere), valid 10 years. */
async function writeCa(dir: string): Promise<void> {
  const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: 2048 });
  const now = new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(now.getUTCFullYear() + 10);
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const signer = await toSigningKey(privateKey, join(dir, 'private', 'cakey.pem'));
  // The random part tells apart the CAs of several ovnctl machines (or of a CA made again) in a host's trust.
  const name: JsonName = [{ O: ['ovnctl'] }, { CN: [`ovnctl CA ${randomBytes(4).toString('hex')}`] }];
  const cert = await X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: name,
    issuer: name,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter,
    publicKey: spki,
    signingKey: signer.key,
    signingAlgorithm: signer.algorithm,
    extensions: [
      new BasicConstraintsExtension(true, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      await SubjectKeyIdentifierExtension.create(spki),
    ],
  });
  // Modes are given at creation (the key is never readable by others); chmod undoes a strict umask where wanted.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'private'), { mode: 0o700 });
  await chmod(join(dir, 'private'), 0o700);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  await writeFile(join(dir, 'private', 'cakey.pem'), keyPem, { mode: 0o600, flag: 'wx' });
  await writeFile(join(dir, 'cacert.pem'), `${cert.toString('pem')}\n`, { mode: 0o644, flag: 'wx' });
  await chmod(join(dir, 'cacert.pem'), 0o644);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
