// The package checks of preflight as pure verdicts over recorded outputs: Debian 12 lab hosts, Debian's
// and Ubuntu's own Release files, Ubuntu's apt-cache policy output (fixtures' first lines say where from).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseOsRelease } from '../../src/facts/os.js';
import {
  parseAptProbe,
  parseHostRelease,
  parsePolicy,
  parseRelease,
  type AptProbe,
} from '../../src/facts/preflight-apt.js';
import type { Inventory, PackageSource } from '../../src/inventory/types.js';
import { candidateVerdicts } from '../../src/operations/preflight/apt-candidates.js';
import { dkmsVerdicts } from '../../src/operations/preflight/apt-dkms.js';
import { originVerdicts } from '../../src/operations/preflight/apt-origin.js';
import {
  hostReleaseRead,
  sourceVerdicts,
  suitesOfIndex,
  type SourceFacts,
} from '../../src/operations/preflight/apt-source.js';
import { guideInventory } from '../helpers/inventory.js';

/** A fixture without its first line (where it comes from). */
const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/preflight/apt/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .slice(1)
    .join('\n');
const fromHost = (file: string) => hostReleaseRead(parseHostRelease(fixture(file)));

const LAB_MIRROR: Extract<PackageSource, { kind: 'custom' }> = {
  kind: 'custom',
  url: 'http://10.213.8.1:8080/debian',
  key: '/k.asc',
  components: ['main'],
};
const inventory = (packages: Partial<Inventory['packages']>): Inventory => {
  const inv = guideInventory();
  return { ...inv, packages: { ...inv.packages, ...packages } };
};
const OVS = ['openvswitch-common', 'openvswitch-switch', 'ovn-common', 'ovn-host', 'python3-openvswitch'];
const problems = (vs: ReturnType<typeof sourceVerdicts>) => vs.filter((v) => !v.ok);

describe('the package source serves the host release (Release file)', () => {
  const debian12 = parseOsRelease(fixture('debian12-os-release.txt'));
  const jammy = parseOsRelease(fixture('ubuntu2204-os-release.txt'));
  const noble = parseOsRelease(fixture('ubuntu2404-os-release.txt'));
  const base = (over: Partial<SourceFacts>): SourceFacts => ({
    host: 'n1',
    os: debian12,
    source: { kind: 'wand' },
    suite: debian12.codename,
    arch: 'amd64',
    read: { side: 'controller', url: '', outcome: { missing: true } },
    ...over,
  });

  it('wand on Debian 12: no bookworm suite, named with the suites it has and the fix', () => {
    const index = fixture('ubuntu-dists-index.html');
    const url = 'https://packages.wand.net.nz/dists/bookworm/Release';
    const vs = sourceVerdicts(
      base({ read: { side: 'controller', url, outcome: { missing: true }, suites: suitesOfIndex(index) } }),
    );
    expect(vs).toHaveLength(1);
    const v = vs[0];
    if (v.ok) throw new Error('expected a failure');
    expect(v.problem).toContain('the wand repository has no suite bookworm for n1 (debian bookworm)');
    expect(v.problem).toContain(`${url} (read from the machine running ovnctl) is missing`);
    expect(v.problem).toContain('it carries devel-backports');
    expect(v.problem).toContain('jammy-updates, jammy');
    expect(v.fix).toMatch(/^set packages\.source: distro .* or a mirror \{url, key, suite\} that has bookworm/);
  });

  it('an index page gives the suite directories only (not its sort links or parent)', () => {
    const suites = suitesOfIndex(fixture('ubuntu-dists-index.html'));
    expect(suites).toContain('focal');
    expect(suites).toHaveLength(15);
    expect(suites.some((s) => s.includes('?') || s.startsWith('/'))).toBe(false);
  });

  it('a mirror whose suite carries this codename passes, saying which side read it', () => {
    const release = parseRelease(fixture('ubuntu2204-inrelease-jammy-backports.txt'));
    const source = { kind: 'custom', url: 'http://m/ubuntu', key: 'k', suite: 'jammy-backports', components: ['main'] };
    const vs = sourceVerdicts(
      base({
        os: jammy,
        source: source as SourceFacts['source'],
        suite: 'jammy-backports',
        read: { side: 'host', url: 'http://m/ubuntu/dists/jammy-backports/Release', outcome: { release } },
      }),
    );
    expect(vs).toEqual([{ ok: true, found: expect.stringContaining('read on n1, --from-hosts') }]);
    expect(vs[0].ok && vs[0].found).toContain('serves jammy-backports (jammy)');
  });

  it("a suite of another release (22.04's on a 24.04 host, trixie's on Debian 12) fails", () => {
    const jammyRel = parseRelease(fixture('ubuntu2204-inrelease-jammy-backports.txt'));
    const trixieRel = parseRelease(fixture('debian13-release.txt'));
    const onNoble = problems(
      sourceVerdicts(
        base({ os: noble, suite: 'jammy-backports', read: { ...base({}).read, outcome: { release: jammyRel } } }),
      ),
    );
    expect(onNoble[0]).toMatchObject({
      problem: expect.stringContaining("is jammy's (Suite: jammy-backports), not n1's noble"),
    });
    const onBookworm = problems(
      sourceVerdicts(base({ suite: 'stable', read: { ...base({}).read, outcome: { release: trixieRel } } })),
    );
    expect(onBookworm[0]).toMatchObject({
      problem: expect.stringContaining("is trixie's (Suite: stable), not n1's bookworm"),
    });
  });

  it('a component or an architecture the suite lacks is named with what it has', () => {
    const release = parseRelease(fixture('debian12-release.txt'));
    const source = { ...LAB_MIRROR, components: ['main', 'universe'] };
    const vs = problems(
      sourceVerdicts(base({ source, arch: 'loong64', read: { ...base({}).read, outcome: { release } } })),
    );
    expect(vs.map((v) => !v.ok && v.problem)).toEqual([
      'suite bookworm of the mirror http://10.213.8.1:8080/debian has no component universe ' +
        '(it has main, contrib, non-free-firmware, non-free)',
      expect.stringMatching(/carries no loong64 packages \(it has all, amd64, arm64,/),
    ]);
  });

  it('a source the controller cannot reach fails with the way to read it from the hosts', () => {
    const vs = sourceVerdicts(base({ read: { side: 'controller', url: 'u', outcome: { error: 'ECONNREFUSED' } } }));
    expect(vs).toEqual([
      {
        ok: false,
        problem: 'cannot read u (read from the machine running ovnctl): ECONNREFUSED',
        fix: expect.stringContaining('--from-hosts'),
      },
    ]);
  });

  it("a controller read that fails passes when the host's own apt-get update over the suite was clean", () => {
    const read: SourceFacts['read'] = { side: 'controller', url: 'u', outcome: { error: 'no answer within 10 s' } };
    const twice =
      'W: Target Packages (main/binary-amd64/Packages) is configured multiple times in ' +
      '/tmp/t/sources.list.d/lab.list:1 and /tmp/t/sources.list.d/ovnctl-mirror.list:1';
    const clean = sourceVerdicts(base({ source: LAB_MIRROR, read, hostUpdate: { rc: 0, errors: [twice] } }));
    expect(clean).toEqual([
      { ok: true, found: expect.stringMatching(/apt-get update on n1 read it \(u .*failed: no answer within 10 s\)/) },
    ]);
    // An update with an error, or none at all (everything installed), leaves the failure as it was.
    for (const hostUpdate of [{ rc: 100, errors: ['E: The repository does not have a Release file.'] }, undefined])
      expect(problems(sourceVerdicts(base({ source: LAB_MIRROR, read, hostUpdate })))).toHaveLength(1);
    expect(
      problems(sourceVerdicts(base({ source: LAB_MIRROR, read, hostUpdate: { rc: 0, errors: ['W: Skipping'] } }))),
    ).toHaveLength(1);
  });

  it("the probe's NO_PUBKEY warning for the run's source is clean; another source's, or a BADSIG, is not", () => {
    // apt 2.6 on a fresh lab host (201 hosts: every controller read timed out), the probe's source trusted=yes.
    const read: SourceFacts['read'] = { side: 'controller', url: 'u', outcome: { error: 'no answer within 10 s' } };
    const gpg = (url: string, why: string) =>
      `W: GPG error: ${url} bookworm InRelease: The following signatures couldn't be verified because ` +
      `the public key is not available: ${why}`;
    const verdicts = (line: string) =>
      sourceVerdicts(base({ source: LAB_MIRROR, read, hostUpdate: { rc: 0, errors: [line] } }));
    expect(verdicts(gpg(LAB_MIRROR.url, 'NO_PUBKEY 1A7193AAC1B3C2BA'))).toEqual([
      { ok: true, found: expect.stringMatching(/apt-get update on n1 read it/) },
    ]);
    expect(problems(verdicts(gpg('http://deb.debian.org/debian', 'NO_PUBKEY 1A7193AAC1B3C2BA')))).toHaveLength(1);
    expect(problems(verdicts(gpg(LAB_MIRROR.url, 'BADSIG 1A7193AAC1B3C2BA lab')))).toHaveLength(1);
  });

  it("--from-hosts: apt-helper's 404 is a missing suite, its download a Release", () => {
    expect(fromHost('debian12-host-release-404.txt').outcome).toEqual({ missing: true });
    const ok = fromHost('debian12-host-release.txt');
    expect(sourceVerdicts(base({ source: LAB_MIRROR, read: ok }))).toEqual([
      {
        ok: true,
        found:
          'the mirror http://10.213.8.1:8080/debian serves bookworm: ' +
          'http://10.213.8.1:8080/debian/dists/bookworm/Release (read on n1, --from-hosts)',
      },
    ]);
  });
});

describe('every package has a candidate', () => {
  it('Debian 12 with the lab mirror: every package has one', () => {
    const probe = parseAptProbe(fixture('debian12-probe-fresh.txt'));
    const vs = candidateVerdicts('n1', OVS, probe, inventory({ source: LAB_MIRROR, datapath: 'kernel' }));
    expect(vs).toHaveLength(1);
    expect(vs[0].ok && vs[0].found).toContain('ovn-host 23.03.1-1~deb12u2');
  });

  it('a suite the mirror lacks: the update error and every package without a candidate', () => {
    const probe = parseAptProbe(fixture('debian12-probe-missing-suite.txt'));
    const vs = problems(
      candidateVerdicts('n1', ['openvswitch-switch', 'ovn-host'], probe, inventory({ source: LAB_MIRROR })),
    );
    expect(vs.map((v) => !v.ok && v.problem)).toEqual([
      expect.stringMatching(/^apt-get update over .* fails on n1: E: Failed to fetch .*dists\/nosuch\/.*404/),
      expect.stringMatching(/^no candidate for openvswitch-switch, ovn-host on n1 in the host's apt sources and deb /),
    ]);
  });

  it('a package that is installed needs no candidate', () => {
    const probe = parseAptProbe(fixture('debian12-probe-missing-suite.txt'));
    probe.installed['ovn-host'] = '23.03.1-1~deb12u2';
    const vs = problems(candidateVerdicts('n1', ['ovn-host'], probe, inventory({ source: LAB_MIRROR })));
    expect(vs.some((v) => !v.ok && v.problem.startsWith('no candidate'))).toBe(false);
  });
});

describe('dkms: the datapath package and the running kernel headers', () => {
  it('Debian 12 lab: neither has a candidate; both named, with packages.datapath: kernel as the fix', () => {
    const probe = parseAptProbe(fixture('debian12-probe-dkms.txt'));
    const vs = problems(dkmsVerdicts('n1', probe, inventory({ source: LAB_MIRROR, datapath: 'dkms' })));
    expect(vs).toEqual([
      {
        ok: false,
        problem: expect.stringMatching(/^openvswitch-datapath-dkms has no candidate on n1 in /),
        fix: expect.stringContaining('packages.datapath: kernel'),
      },
      {
        ok: false,
        problem: expect.stringContaining("no linux-headers-6.18.44-fc-v1045 (the running kernel's headers) on n1"),
        fix: expect.stringContaining('packages.datapath: kernel'),
      },
    ]);
  });

  it('the candidates check leaves the dkms package to this one', () => {
    const probe = parseAptProbe(fixture('debian12-probe-dkms.txt'));
    const vs = candidateVerdicts('n1', ['openvswitch-datapath-dkms', ...OVS], probe, inventory({ source: LAB_MIRROR }));
    expect(vs.every((v) => v.ok)).toBe(true);
  });
});

describe('a package installed from another source', () => {
  it('Debian 12 OVS from the bookworm mirror, the run pointed at a trixie mirror: the mismatch is named', () => {
    const probe = parseAptProbe(fixture('debian12-probe-trixie-mirror.txt'));
    const vs = originVerdicts('n1', OVS, probe, inventory({ source: { ...LAB_MIRROR, suite: 'trixie' } }));
    expect(vs).toHaveLength(1);
    const v = vs[0];
    if (v.ok) throw new Error('expected a failure');
    expect(v.problem).toContain('n1 has openvswitch-common 3.1.0-2+deb12u1 (the sources give 3.5.0-1+b1)');
    expect(v.problem).toContain('ovn-host 23.03.1-1~deb12u2 (the sources give 25.03.0-1)');
    expect(v.fix).toBe(
      'remove it first ' +
        '(apt-get purge openvswitch-common openvswitch-switch ovn-common ovn-host python3-openvswitch), ' +
        'or set packages.source to the source it came from',
    );
  });

  it('nothing installed yet (Debian 12 lab): passes', () => {
    const probe = parseAptProbe(fixture('debian12-probe-fresh.txt'));
    expect(originVerdicts('n1', OVS, probe, inventory({ source: LAB_MIRROR }))).toEqual([
      { ok: true, found: 'none installed yet' },
    ]);
  });

  it("Ubuntu 22.04: installed versions that one of the run's sources carries (a third-party one too) pass", () => {
    // The probe's policy part as recorded there; dpkg's versions are its Installed lines.
    const probe: AptProbe = {
      codename: 'jammy',
      skipped: false,
      arch: 'amd64',
      kernel: '5.19.0-35-generic',
      update: { rc: 0, errors: [] },
      policy: parsePolicy(fixture('ubuntu2204-policy-third-party.txt')),
      installed: { gpg: '2.2.27-3ubuntu2.1', 'opera-stable': '96.0.4693.50' },
    };
    const vs = originVerdicts('n1', ['gpg', 'opera-stable'], probe, inventory({ source: { kind: 'distro' } }));
    expect(vs).toEqual([{ ok: true, found: "installed from the run's sources: gpg, opera-stable" }]);
  });
});
