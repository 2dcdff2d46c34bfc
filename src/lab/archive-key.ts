// The lab mirror's signing key: made once with gpg --batch in a cache GNUPGHOME.
//   <cache>/gnupg/               GNUPGHOME (secret key)
//   <cache>/gnupg/fingerprint    the key's fingerprint
//   <cache>/gnupg/lab-archive.asc  the public key, armored (what hosts trust)
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.js';
import { publishTree, removeTree } from './lab-files.js';
import { checkLabPrerequisites } from './preflight.js';

export interface ArchiveKey {
  gnupgHome: string;
  fingerprint: string;
  publicKeyFile: string;
}

const KEY_UID = 'ovnctl lab archive (local test mirror only) <lab-archive@ovnctl.invalid>';

export async function ensureArchiveKey(cacheDir: string): Promise<ArchiveKey> {
  const home = join(cacheDir, 'gnupg');
  if (!existsSync(join(home, 'fingerprint'))) {
    checkLabPrerequisites(['gpg', 'gpgconf']);
    const tmp = join(cacheDir, `tmp-gnupg-${process.pid}`);
    mkdirSync(tmp, { recursive: true });
    chmodSync(tmp, 0o700);
    try {
      await gpg(tmp, ['--passphrase', '', '--quick-generate-key', KEY_UID, 'ed25519', 'sign', 'never']);
      const colons = (await gpg(tmp, ['--with-colons', '--list-secret-keys'])).stdout;
      const fpr = /^fpr:+([0-9A-F]{40,64}):/m.exec(colons)?.[1];
      if (!fpr) throw new Error(`no fingerprint in gpg output:\n${colons}`);
      writeFileSync(join(tmp, 'lab-archive.asc'), (await gpg(tmp, ['--armor', '--export', fpr])).stdout);
      writeFileSync(join(tmp, 'fingerprint'), `${fpr}\n`);
      await stopAgent(tmp);
      await publishTree(tmp, home);
    } catch (e) {
      await stopAgent(tmp);
      await removeTree(tmp);
      throw e;
    }
  }
  return {
    gnupgHome: home,
    fingerprint: readFileSync(join(home, 'fingerprint'), 'utf8').trim(),
    publicKeyFile: join(home, 'lab-archive.asc'),
  };
}

/** Sign a Release file: InRelease (clear-signed) and Release.gpg (detached) beside it. */
export async function signRelease(key: ArchiveKey, release: string): Promise<void> {
  const dir = join(release, '..');
  try {
    const common = ['--yes', '--passphrase', '', '--local-user', key.fingerprint, '--digest-algo', 'SHA512'];
    await gpg(key.gnupgHome, [...common, '--clearsign', '--output', join(dir, 'InRelease'), release]);
    await gpg(key.gnupgHome, [...common, '--armor', '--detach-sign', '--output', join(dir, 'Release.gpg'), release]);
  } finally {
    await stopAgent(key.gnupgHome);
  }
}

function gpg(home: string, args: string[]) {
  return run(['gpg', '--homedir', home, '--batch', '--no-tty', '--pinentry-mode', 'loopback', ...args], {
    env: { GNUPGHOME: home },
  });
}

/** gpg started an agent for this home: stop it (it is ours; nothing else uses this home). */
async function stopAgent(home: string): Promise<void> {
  await run(['gpgconf', '--homedir', home, '--kill', 'all'], { env: { GNUPGHOME: home }, allowFailure: true });
}
