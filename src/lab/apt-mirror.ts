// The lab's signed apt mirror: the .debs the install needs that the rootfs lacks, downloaded once.
//   <cache>/mirror-<key>/debian/pool/main/*.deb
//   <cache>/mirror-<key>/debian/dists/<suite>/{Release,InRelease,Release.gpg}
//   <cache>/mirror-<key>/debian/dists/<suite>/main/binary-amd64/Packages{,.gz}
//   <cache>/mirror-<key>/stamp.json
// Served at http://<bridge>:<port>/debian; <key> hashes the rootfs, the package list and the signing key.
import { OVN_PACKAGES } from '../ovn/packages.js';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { OvnctlError } from '../errors.js';
import { ensureArchiveKey, signRelease, type ArchiveKey } from './archive-key.js';
import { run, tail } from './exec.js';
import { publishTree, removeTree } from './lab-files.js';
import { CACHE_TOOLS, checkLabPrerequisites } from './preflight.js';
import {
  CACHE_LAYOUT_VERSION,
  DEBIAN_ARCHIVE,
  DEBIAN_SUITE,
  hashInputs,
  removeStaleBuilds,
  type CachedRootfs,
  type Progress,
} from './rootfs-cache.js';

/** What `ovnctl install` puts on lab hosts (datapath kernel, ovsPython apt); the mirror holds their closure. */
export const MIRROR_PACKAGES = OVN_PACKAGES;

export const MIRROR_COMPONENT = 'main';
const ARCH = 'amd64';

export interface CachedMirror {
  /** The directory served over HTTP; the archive root is its `debian/`. */
  dir: string;
  suite: string;
  key: ArchiveKey;
}

export async function ensureMirror(
  cacheDir: string,
  rootfs: CachedRootfs,
  progress: Progress = () => undefined,
): Promise<CachedMirror> {
  const key = await ensureArchiveKey(cacheDir);
  const id = hashInputs({
    layout: CACHE_LAYOUT_VERSION,
    rootfs: rootfs.key,
    packages: MIRROR_PACKAGES,
    fpr: key.fingerprint,
  });
  const dir = join(cacheDir, `mirror-${id}`);
  if (existsSync(join(dir, 'stamp.json'))) return { dir, suite: DEBIAN_SUITE, key };

  checkLabPrerequisites(CACHE_TOOLS);
  await removeStaleBuilds(cacheDir);
  const tmp = join(cacheDir, `tmp-mirror-${id}-${process.pid}`);
  try {
    progress(`downloading ${MIRROR_PACKAGES.join(' ')} and their dependencies for the lab mirror (once)`);
    const pool = join(tmp, 'debian', 'pool', MIRROR_COMPONENT);
    mkdirSync(pool, { recursive: true });
    await downloadClosure(rootfs.root, join(tmp, 'work'), pool);
    await removeTree(join(tmp, 'work'));
    await writeArchiveIndex(join(tmp, 'debian'), key);
    writeFileSync(
      join(tmp, 'stamp.json'),
      JSON.stringify(
        {
          id,
          layout: CACHE_LAYOUT_VERSION,
          rootfs: rootfs.key,
          packages: MIRROR_PACKAGES,
          fingerprint: key.fingerprint,
          built: new Date().toISOString(),
        },
        null,
        2,
      ) + '\n',
    );
    await publishTree(tmp, dir);
  } catch (e) {
    await removeTree(tmp);
    throw e;
  }
  return { dir, suite: DEBIAN_SUITE, key };
}

// In a throwaway mount + pid namespace: an overlay over the rootfs (so it stays untouched), apt pointed
// at Debian's archive, `install --download-only` of what the rootfs lacks, the .debs copied out.
const DOWNLOAD_SCRIPT = `set -eu
lower=$1 work=$2 out=$3 archive=$4 suite=$5; shift 5
mkdir -p "$work/upper" "$work/work" "$work/root"
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$work/upper,workdir=$work/work" "$work/root"
r=$work/root
mount -t proc proc "$r/proc"
mount --rbind /dev "$r/dev"
cat /etc/resolv.conf > "$r/etc/resolv.conf"
echo "deb $archive $suite main" > "$r/etc/apt/sources.list"
export DEBIAN_FRONTEND=noninteractive
chroot "$r" apt-get -q update
chroot "$r" apt-get -q -y --download-only install "$@"
cp "$r"/var/cache/apt/archives/*.deb "$out"/
`;

async function downloadClosure(lower: string, work: string, pool: string): Promise<void> {
  const r = await run(
    [
      'unshare',
      '--mount',
      '--pid',
      '--fork',
      '--kill-child',
      '--propagation',
      'private',
      'sh',
      '-c',
      DOWNLOAD_SCRIPT,
      'ovnctl-lab-mirror',
      lower,
      work,
      pool,
      DEBIAN_ARCHIVE,
      DEBIAN_SUITE,
      ...MIRROR_PACKAGES,
    ],
    { allowFailure: true, timeoutMs: 20 * 60_000 },
  );
  if (r.failed || readdirSync(pool).length === 0) {
    throw new OvnctlError(
      `downloading the lab mirror's packages from ${DEBIAN_ARCHIVE} failed ` +
        `(${r.timedOut ? 'timed out' : `exit ${r.exitCode}`}):\n${tail(r.stdout + r.stderr, 15)}`,
    );
  }
}

/** dists/<suite>/main/binary-amd64/Packages(.gz) and a signed Release, by apt-ftparchive. */
async function writeArchiveIndex(archive: string, key: ArchiveKey): Promise<void> {
  const dist = join(archive, 'dists', DEBIAN_SUITE);
  const bin = join(dist, MIRROR_COMPONENT, `binary-${ARCH}`);
  mkdirSync(bin, { recursive: true });
  const packages = (await run(['apt-ftparchive', 'packages', `pool/${MIRROR_COMPONENT}`], { cwd: archive })).stdout;
  writeFileSync(join(bin, 'Packages'), packages);
  writeFileSync(join(bin, 'Packages.gz'), gzipSync(packages, { level: 9 }));
  const release = (
    await run(
      [
        'apt-ftparchive',
        '-o',
        'APT::FTPArchive::Release::Origin=ovnctl-lab',
        '-o',
        'APT::FTPArchive::Release::Label=ovnctl lab mirror',
        '-o',
        `APT::FTPArchive::Release::Suite=${DEBIAN_SUITE}`,
        '-o',
        `APT::FTPArchive::Release::Codename=${DEBIAN_SUITE}`,
        '-o',
        `APT::FTPArchive::Release::Architectures=${ARCH}`,
        '-o',
        `APT::FTPArchive::Release::Components=${MIRROR_COMPONENT}`,
        '-o',
        'APT::FTPArchive::Release::Description=OVS/OVN packages for the ovnctl lab (test use only)',
        'release',
        '.',
      ],
      { cwd: dist },
    )
  ).stdout;
  writeFileSync(join(dist, 'Release'), release);
  await signRelease(key, join(dist, 'Release'));
}
