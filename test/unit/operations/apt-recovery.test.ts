// apt after an interrupted run and under a held lock: a dpkg run cut off half way is finished first
// (`dpkg --configure -a`), every apt call waits for the dpkg lock as long as packages.lockTimeout says,
// and apt's "Waiting for cache lock" lines become words the user sees while the task runs.
import { describe, expect, it } from 'vitest';
import { dpkgInterrupted, needsDpkgConfigure } from '../../../src/facts/apt.js';
import { aptBuildDep, aptPackages, aptProgress } from '../../../src/operations/apt.js';
import { guideInventory } from '../../helpers/inventory.js';
import { planWith, scripts } from '../../helpers/plan.js';

const inv = guideInventory();
const PK = 'apt.packages:openvswitch-switch';
// --configure -a finishes what was unpacked; apt-get -f install reinstalls what was cut off while unpacking.
const APT_GET =
  /DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -o APT::Status-Fd=3/
    .source;
const DPKG = /DEBIAN_FRONTEND=noninteractive dpkg --force-confdef --force-confold --configure -a/.source;
const CONFIGURE = new RegExp(
  String.raw`^\{ ${APT_GET} check 3>&1 2>\/dev\/null \|\| true; \} && \{ ${DPKG} \|\| true; \} && ` +
    `${APT_GET} -f install 3>&1$`,
);

describe('the dpkg-interrupted fact', () => {
  it('counts journal entries and lists packages left unpacked, half-configured or awaiting triggers', () => {
    expect(dpkgInterrupted.parse('0\n', 0)).toEqual({ journal: 0, unfinished: [] });
    expect(dpkgInterrupted.parse('2\n', 1)).toEqual({ journal: 2, unfinished: [] });
    expect(dpkgInterrupted.parse('0\nopenvswitch-switch\novn-host:amd64\n', 0)).toEqual({
      journal: 0,
      unfinished: ['openvswitch-switch', 'ovn-host:amd64'],
    });
    expect(needsDpkgConfigure({ journal: 0, unfinished: [] })).toBe(false);
    expect(needsDpkgConfigure({ journal: 1, unfinished: [] })).toBe(true);
  });
  it('reads without changing anything: ls, dpkg-query and awk only', () => {
    expect(dpkgInterrupted.command).toContain('/var/lib/dpkg/updates/');
    expect(dpkgInterrupted.command).not.toMatch(/dpkg --configure|apt-get|rm /);
  });
});

describe('apt after an interrupted dpkg run', () => {
  it('finishes the interrupted run before installing (apt refuses otherwise)', async () => {
    const plan = await planWith(
      aptPackages,
      { packages: ['openvswitch-switch'] },
      {
        [PK]: { raw: 'openvswitch-switch\tiU \t3.1.0\n' },
        'apt.lists-fresh': true,
        'apt.dpkg-interrupted': { raw: '1\nopenvswitch-switch\n' },
      },
      inv,
    );
    expect(scripts(plan)).toHaveLength(2);
    expect(scripts(plan)[0]).toMatch(CONFIGURE);
    expect(scripts(plan)[1]).toBe(
      'DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 ' +
        '-o APT::Status-Fd=3 install openvswitch-switch 3>&1',
    );
    expect(plan.msg).toBe(
      'finish the interrupted dpkg run (dpkg --configure -a: openvswitch-switch), then install openvswitch-switch',
    );
  });
  it('also before removing, and before build-dep', async () => {
    const removal = await planWith(
      aptPackages,
      { packages: ['ovn-host'], state: 'absent' },
      { 'apt.packages:ovn-host': { raw: 'ovn-host\tii \t23.03\n' }, 'apt.dpkg-interrupted': { raw: '1\n' } },
      inv,
    );
    expect(scripts(removal)[0]).toMatch(CONFIGURE);
    expect(scripts(removal)[1]).toMatch(/ remove ovn-host 3>&1$/);
    const buildDep = await planWith(
      aptBuildDep,
      { package: 'dkms' },
      {
        'apt.build-dep:dkms': { raw: 'Inst debhelper (13)', rc: 0 },
        'apt.lists-fresh': true,
        'apt.dpkg-interrupted': { raw: '3\n' },
      },
      inv,
    );
    expect(scripts(buildDep)[0]).toMatch(CONFIGURE);
    expect(scripts(buildDep)[1]).toMatch(/ build-dep dkms 3>&1$/);
  });
  it('leaves dpkg alone when the wanted packages are installed (nothing to do here)', async () => {
    const plan = await planWith(
      aptPackages,
      { packages: ['openvswitch-switch'] },
      {
        [PK]: { raw: 'openvswitch-switch\tii \t3.1.0\n' },
        'apt.lists-fresh': true,
        'apt.dpkg-interrupted': { raw: '1\n' },
      },
      inv,
    );
    expect(plan.commands).toEqual([]);
  });
  it('runs no dpkg --configure -a after a clean run', async () => {
    const plan = await planWith(
      aptPackages,
      { packages: ['openvswitch-switch'] },
      { [PK]: { raw: '' }, 'apt.lists-fresh': true, 'apt.dpkg-interrupted': { raw: '0\n' } },
      inv,
    );
    expect(scripts(plan)).toEqual([
      'DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 ' +
        '-o APT::Status-Fd=3 install openvswitch-switch 3>&1',
    ]);
  });
});

describe('the dpkg lock wait', () => {
  it('is bounded by packages.lockTimeout in every apt call', async () => {
    const short = guideInventory({ packages: { ...inv.packages, lockTimeout: 30 } });
    const plan = await planWith(
      aptPackages,
      { packages: ['openvswitch-switch'] },
      { [PK]: { raw: '' }, 'apt.lists-fresh': false, 'apt.dpkg-interrupted': { raw: '1\n' } },
      short,
    );
    expect(scripts(plan)).toHaveLength(3);
    for (const s of scripts(plan)) {
      expect(s).toContain('DPkg::Lock::Timeout=30 ');
      expect(s).not.toContain('Timeout=600');
    }
  });
  it("turns apt's lock-wait lines into a message, and ignores every other line", () => {
    expect(
      aptProgress(
        'Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. ' +
          'It is held by process 772 (python3)...',
      ),
    ).toBe(
      'waiting for the lock /var/lib/dpkg/lock-frontend, held by process 772 (python3) ' +
        '(bounded by packages.lockTimeout)',
    );
    expect(
      aptProgress(
        'Waiting for cache lock: Could not get lock /var/lib/apt/lists/lock. It is held by process 9 (apt-get)...',
      ),
    ).toMatch(/^waiting for the lock \/var\/lib\/apt\/lists\/lock, held by process 9 \(apt-get\)/);
    expect(aptProgress('Waiting for cache lock: something new')).toBe(
      'waiting for the dpkg lock: something new (bounded by packages.lockTimeout)',
    );
    for (const line of [
      'Reading package lists...',
      'Unpacking ovn-common (23.03.1) ...',
      '',
      'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 772 (python3)',
    ]) {
      expect(aptProgress(line)).toBeUndefined();
    }
  });
  it('is the progress hook of apt and apt_build_dep', () => {
    expect(aptPackages.progress).toBe(aptProgress);
    expect(aptBuildDep.progress).toBe(aptProgress);
  });
});
