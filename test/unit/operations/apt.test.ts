import { describe, expect, it } from 'vitest';
import { aptBuildDep, aptPackages, aptRepository } from '../../../src/operations/apt.js';
import { sha256 } from '../../../src/util/hash.js';
import { guideInventory } from '../../helpers/inventory.js';
import { planWith, scripts } from '../../helpers/plan.js';

const inv = guideInventory();
const absent = { exists: false, sha256: '', mode: '' };
const UBUNTU = { id: 'ubuntu', idLike: ['debian'], versionId: '22.04', codename: 'jammy' };
/** dpkg finished its last run (see apt-recovery.test.ts for one that did not). */
const DPKG_CLEAN = { 'apt.dpkg-interrupted': { raw: '0\n' } };
// Every apt-get waits for the dpkg lock, retries transient fetch errors and writes its status lines to stdout.
const APT_GET =
  'DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -o APT::Status-Fd=3';

describe('apt', () => {
  const pk = 'apt.packages:openvswitch-common,openvswitch-switch';
  it('installs only the missing packages, updating the lists once when stale', async () => {
    const plan = await planWith(
      aptPackages,
      { packages: ['openvswitch-switch', 'openvswitch-common'] },
      {
        [pk]: { raw: 'openvswitch-common\tii \t3.1.0-2\n' },
        ...DPKG_CLEAN,
        'apt.lists-fresh': false,
      },
      inv,
    );
    expect(scripts(plan)).toHaveLength(2);
    expect(scripts(plan)[0]).toContain(`${APT_GET} -o APT::Update::Error-Mode=any update 3>&1 && `);
    expect(scripts(plan)[1]).toBe(`${APT_GET} install openvswitch-switch 3>&1`);
  });
  it('does not update when the lists are fresh', async () => {
    const plan = await planWith(
      aptPackages,
      { packages: ['openvswitch-switch', 'openvswitch-common'] },
      { [pk]: { raw: '' }, ...DPKG_CLEAN, 'apt.lists-fresh': true },
      inv,
    );
    expect(scripts(plan)).toEqual([`${APT_GET} install openvswitch-switch openvswitch-common 3>&1`]);
  });
  it('changes nothing when everything is installed', async () => {
    const plan = await planWith(
      aptPackages,
      { packages: ['openvswitch-switch', 'openvswitch-common'] },
      {
        [pk]: { raw: 'openvswitch-common\tii \t3.1.0\nopenvswitch-switch\tii \t3.1.0\n' },
        ...DPKG_CLEAN,
        'apt.lists-fresh': false,
      },
      inv,
    );
    expect(plan.commands).toEqual([]);
  });
  it('treats config-files-only (rc) as absent', async () => {
    const plan = await planWith(
      aptPackages,
      { packages: ['ovn-host'] },
      { 'apt.packages:ovn-host': { raw: 'ovn-host\trc \t23.03\n' }, ...DPKG_CLEAN, 'apt.lists-fresh': true },
      inv,
    );
    expect(scripts(plan)[0]).toMatch(/ install ovn-host 3>&1$/);
  });
  it('removes (or purges) present packages for state absent', async () => {
    const plan = await planWith(
      aptPackages,
      { packages: ['ovn-host', 'ovn-central'], state: 'absent', purge: true },
      { 'apt.packages:ovn-central,ovn-host': { raw: 'ovn-host\tii \t23.03\n' }, ...DPKG_CLEAN },
      inv,
    );
    expect(scripts(plan)).toEqual([`${APT_GET} purge ovn-host 3>&1`]);
  });
  it('purges packages removed earlier whose config files are left', async () => {
    const plan = await planWith(
      aptPackages,
      { packages: ['ovn-host'], state: 'absent', purge: true },
      { 'apt.packages:ovn-host': { raw: 'ovn-host\trc \t23.03\n' }, ...DPKG_CLEAN },
      inv,
    );
    expect(plan.commands.at(-1)?.script).toMatch(/ purge ovn-host 3>&1$/);
    const removeOnly = await planWith(
      aptPackages,
      { packages: ['ovn-host'], state: 'absent' },
      { 'apt.packages:ovn-host': { raw: 'ovn-host\trc \t23.03\n' }, ...DPKG_CLEAN },
      inv,
    );
    expect(removeOnly.commands).toEqual([]);
  });
  it('rejects a package name that is not one', () => {
    expect(aptPackages.args.safeParse({ packages: ['ovn; rm -rf /'] }).success).toBe(false);
  });
});

describe('apt_repository', () => {
  const key = Buffer.from('-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc\n');
  const facts = (list = absent, asc = absent) => ({
    'os.release': UBUNTU,
    'file:/etc/apt/sources.list.d/ovnctl-wand.list': list,
    'file:/etc/apt/trusted.gpg.d/ovnctl-wand.asc': asc,
    'file:/etc/apt/trusted.gpg.d/ovnctl-wand.gpg': absent,
  });
  const assets = { 'https://packages.wand.net.nz/keyring.gpg': key };
  it('adds the wand line for the host codename and its key', async () => {
    const plan = await planWith(aptRepository, { source: { kind: 'wand' } }, facts(), inv, inv.hosts[0], assets);
    expect(plan.commands).toHaveLength(2);
    expect(plan.commands[0].script).toContain('/etc/apt/trusted.gpg.d/ovnctl-wand.asc');
    expect(plan.commands[1].stdin?.toString()).toBe('deb https://packages.wand.net.nz jammy main\n');
    expect(plan.commands[1].script).toContain(
      'mv -f /etc/apt/sources.list.d/ovnctl-wand.list.ovnctl-tmp /etc/apt/sources.list.d/ovnctl-wand.list',
    );
  });
  it('changes nothing when line and key are in place', async () => {
    const line = 'deb https://packages.wand.net.nz jammy main\n';
    const plan = await planWith(
      aptRepository,
      { source: { kind: 'wand' } },
      facts({ exists: true, sha256: sha256(line), mode: '0644' }, { exists: true, sha256: sha256(key), mode: '0644' }),
      inv,
      inv.hosts[0],
      assets,
    );
    expect(plan.commands).toEqual([]);
  });
  it('writes a custom mirror with its suite and components', async () => {
    const plan = await planWith(
      aptRepository,
      {
        source: {
          kind: 'custom',
          url: 'http://mirror.lan/debian',
          key: '/k.gpg',
          suite: 'lab',
          components: ['main', 'extra'],
        },
      },
      {
        'os.release': UBUNTU,
        'file:/etc/apt/sources.list.d/ovnctl-mirror.list': absent,
        'file:/etc/apt/trusted.gpg.d/ovnctl-mirror.asc': absent,
        'file:/etc/apt/trusted.gpg.d/ovnctl-mirror.gpg': absent,
      },
      inv,
      inv.hosts[0],
      { '/k.gpg': Buffer.from([0x99, 0x01]) },
    );
    expect(plan.commands[0].script).toContain('ovnctl-mirror.gpg');
    expect(plan.commands[1].stdin?.toString()).toBe('deb http://mirror.lan/debian lab main extra\n');
  });
  it('skips for the distribution archive', async () => {
    const plan = await planWith(
      aptRepository,
      { source: { kind: 'distro' } },
      {
        'os.release': UBUNTU,
        'file:/etc/apt/sources.list.d/ovnctl-mirror.list': absent,
        'file:/etc/apt/trusted.gpg.d/ovnctl-mirror.asc': absent,
        'file:/etc/apt/trusted.gpg.d/ovnctl-mirror.gpg': absent,
      },
      inv,
    );
    expect(plan.skip).toMatch(/distribution/);
  });
});

describe('apt_build_dep', () => {
  it('runs build-dep when something would be installed', async () => {
    const plan = await planWith(
      aptBuildDep,
      { package: 'dkms' },
      {
        'apt.build-dep:dkms': { raw: 'Inst debhelper (13)\n3 newly installed', rc: 0 },
        ...DPKG_CLEAN,
        'apt.lists-fresh': true,
      },
      inv,
    );
    expect(scripts(plan)).toEqual([`${APT_GET} build-dep dkms 3>&1`]);
  });
  it('does nothing when satisfied', async () => {
    const plan = await planWith(
      aptBuildDep,
      { package: 'dkms' },
      {
        'apt.build-dep:dkms': { raw: '0 upgraded, 0 newly installed, 0 to remove', rc: 0 },
        ...DPKG_CLEAN,
        'apt.lists-fresh': true,
      },
      inv,
    );
    expect(plan.commands).toEqual([]);
  });
  it('fails clearly without deb-src lines', async () => {
    await expect(
      planWith(
        aptBuildDep,
        { package: 'dkms' },
        {
          'apt.build-dep:dkms': { raw: "E: You must put some 'deb-src' URIs in your sources.list", rc: 100 },
          ...DPKG_CLEAN,
          'apt.lists-fresh': true,
        },
        inv,
      ),
    ).rejects.toThrow(/deb-src/);
  });
});
