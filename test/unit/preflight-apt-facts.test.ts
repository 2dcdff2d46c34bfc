// The apt probe of preflight: its parsers over outputs recorded on real hosts (Debian 12 lab hosts) and
// the distributions' own files (Ubuntu 22.04/24.04, see each fixture's first line), and its script run
// with stand-in dpkg-query/apt-get/apt-cache, to show what it decides on the host.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  aptProbe,
  CODENAME,
  parseAptProbe,
  parseHostRelease,
  parsePolicy,
  parseRelease,
} from '../../src/facts/preflight-apt.js';
import { debPackages } from '../../src/facts/apt.js';
import { buildGatherScript, parseGatherOutput } from '../../src/facts/gather.js';
import { which } from '../../src/facts/os.js';

/** A fixture without its first line (where it comes from). */
const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/preflight/apt/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .slice(1)
    .join('\n');

describe('parseAptProbe (Debian 12 lab hosts)', () => {
  it('reads a host with nothing installed: codename, arch, kernel, update status and every candidate', () => {
    const p = parseAptProbe(fixture('debian12-probe-fresh.txt'));
    expect(p).toMatchObject({ skipped: false, codename: 'bookworm', arch: 'amd64', kernel: '6.18.44-fc-v1045' });
    expect(p.installed).toEqual({});
    expect(p.update.rc).toBe(0);
    // trusted=yes: apt still warns about the unknown key; a warning is kept but is no error.
    expect(p.update.errors).toEqual([expect.stringMatching(/^W: GPG error: .*NO_PUBKEY/)]);
    expect(p.policy['ovn-host']).toEqual({
      installed: null,
      candidate: '23.03.1-1~deb12u2',
      versions: [
        {
          version: '23.03.1-1~deb12u2',
          installed: false,
          sources: ['http://10.213.8.1:8080/debian bookworm/main amd64 Packages'],
        },
      ],
    });
    expect(Object.keys(p.policy).sort()).toEqual([
      'openvswitch-common',
      'openvswitch-switch',
      'ovn-common',
      'ovn-host',
      'python3-openvswitch',
    ]);
  });

  it('reads the skip of a host that has every package, with dpkg versions', () => {
    const p = parseAptProbe(fixture('debian12-probe-installed.txt'));
    expect(p.skipped).toBe(true);
    expect(p.installed['openvswitch-switch']).toBe('3.1.0-2+deb12u1');
    expect(p.policy).toEqual({});
  });

  it('reads a failed update (a suite the mirror lacks): its E: lines and status', () => {
    const p = parseAptProbe(fixture('debian12-probe-missing-suite.txt'));
    expect(p.update.rc).toBe(100);
    expect(p.update.errors[0]).toMatch(/^E: Failed to fetch .*dists\/nosuch\/.*404/);
    expect(p.policy).toEqual({});
  });

  it('reads an installed version only dpkg knows next to the newer one a source gives', () => {
    const p = parseAptProbe(fixture('debian12-probe-trixie-mirror.txt'));
    expect(p.policy['openvswitch-switch']).toEqual({
      installed: '3.1.0-2+deb12u1',
      candidate: '3.5.0-1+b1',
      versions: [
        {
          version: '3.5.0-1+b1',
          installed: false,
          sources: ['http://10.213.8.1:8099/debian trixie/main amd64 Packages'],
        },
        { version: '3.1.0-2+deb12u1', installed: true, sources: ['/var/lib/dpkg/status'] },
      ],
    });
    expect(p.policy['openvswitch-datapath-dkms']).toEqual({ installed: null, candidate: null, versions: [] });
  });
});

describe('parsePolicy (Ubuntu 22.04 and 24.04)', () => {
  it('keeps a phased version and reads an arch-qualified name as the package', () => {
    const p = parsePolicy(fixture('ubuntu2204-policy-phased.txt'));
    expect(p['mesa-va-drivers']?.candidate).toBe('22.0.5-0ubuntu0.1');
    expect(p['mesa-va-drivers']?.versions.map((v) => v.version)).toEqual(['22.0.5-0ubuntu0.1', '22.0.1-1ubuntu2']);
    expect(p['python3-distupgrade']?.versions[0]).toMatchObject({ version: '1:22.04.12', installed: true });
  });

  it('reads a third-party source as the source of the installed version', () => {
    const p = parsePolicy(fixture('ubuntu2204-policy-third-party.txt'));
    expect(p['opera-stable']?.versions[0].sources).toEqual([
      'https://deb.opera.com/opera-stable stable/non-free amd64 Packages',
      '/var/lib/dpkg/status',
    ]);
    expect(p.gpg?.versions.map((v) => [v.version, v.installed])).toEqual([
      ['2.2.27-3ubuntu2.1', true],
      ['2.2.27-3ubuntu2', false],
    ]);
  });

  it('reads 24.04: a package not installed, one installed', () => {
    const p = parsePolicy(fixture('ubuntu2404-policy.txt'));
    expect(p.gdm3).toMatchObject({ installed: null, candidate: '45.0.1-1ubuntu2' });
    expect(p.lightdm).toMatchObject({ installed: '1.30.0-0ubuntu8', candidate: '1.30.0-0ubuntu8' });
  });
});

describe('parseRelease', () => {
  it.each([
    ['debian12-release.txt', 'oldstable', 'bookworm', 'main contrib non-free-firmware non-free', 'amd64'],
    ['debian13-release.txt', 'stable', 'trixie', 'main contrib non-free-firmware non-free', 'amd64'],
    [
      'ubuntu2204-inrelease-jammy-backports.txt',
      'jammy-backports',
      'jammy',
      'main restricted universe multiverse',
      'amd64',
    ],
    ['ubuntu2404-inrelease-noble.txt', 'noble', 'noble', 'main restricted universe multiverse', 'riscv64'],
  ])('%s: suite %s, codename %s', (file, suite, codename, components, arch) => {
    const r = parseRelease(fixture(file));
    expect(r).toMatchObject({ suite, codename, components: components.split(' ') });
    expect(r.architectures).toContain(arch);
  });
});

describe('parseHostRelease (--from-hosts, apt-helper on a Debian 12 lab host)', () => {
  it('reads a download', () => {
    const r = parseHostRelease(fixture('debian12-host-release.txt'));
    expect(r).toMatchObject({ url: 'http://10.213.8.1:8080/debian/dists/bookworm/Release', rc: 0 });
    expect(parseRelease(r.body).codename).toBe('bookworm');
  });

  it("reads a 404 and apt-helper's reason", () => {
    const r = parseHostRelease(fixture('debian12-host-release-404.txt'));
    expect(r.rc).toBe(100);
    expect(r.message).toMatch(/404 {2}Not Found/);
    expect(r.body).toBe('');
  });
});

describe('the probe script on a host (stand-in dpkg-query, apt-get, apt-cache)', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Runs `script` with stand-ins first on PATH that log their argv (dpkg-query prints `dpkgLines`),
   * temporary files under its own TMPDIR.
   */
  function runWithStubs(
    dpkgLines: string[],
    script: string,
    dpkgBody = `printf '%s\\n' ${dpkgLines.map((l) => `'${l}'`).join(' ')}`,
  ): { out: string; calls: string[]; tmp: string } {
    dir = mkdtempSync(join(tmpdir(), 'pfapt-'));
    const bin = join(dir, 'bin');
    const tmp = join(dir, 'tmp');
    execFileSync('mkdir', ['-p', bin, tmp]);
    const log = join(dir, 'calls');
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\nprintf "%s\\n" "${name} $*" >> ${log}\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    stub('dpkg-query', dpkgBody);
    stub('dpkg', 'echo amd64');
    stub('apt-get', 'exit 0');
    stub('apt-cache', 'exit 0');
    const out = execFileSync('sh', ['-c', script], {
      env: { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: tmp },
      encoding: 'utf8',
    });
    return { out, calls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [], tmp };
  }

  const SOURCE = { line: `deb http://mirror.example/debian ${CODENAME} main\n`, file: 'ovnctl-mirror.list' };
  /** The fact's command as the gather runs an inline one. */
  const runProbe = (dpkgLines: string[], packages: string[]) =>
    runWithStubs(dpkgLines, `{ ${aptProbe(packages, SOURCE, false).command}\n}`);

  it('stops after dpkg-query when every package is installed: no apt-get, no temp directory', () => {
    const { out, calls, tmp } = runProbe(
      ['ii |ovn-host|23.03.1-1~deb12u2', 'ii |ovn-common|23.03.1-1~deb12u2'],
      ['ovn-host', 'ovn-common'],
    );
    expect(parseAptProbe(out).skipped).toBe(true);
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['dpkg-query']);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("runs in the gather's own shell (inline) beside other facts, which still read theirs", () => {
    const probe = aptProbe(['ovn-host'], SOURCE, false);
    expect(probe.inline).toBe(true);
    const other = which('sh');
    const nonce = 'n0nce';
    const { out, tmp } = runWithStubs([], buildGatherScript([probe, other], nonce));
    const facts = parseGatherOutput([probe, other], out, nonce);
    expect(facts.get(other.key)).toMatch(/\/sh$/);
    expect((facts.get(probe.key) as { skipped: boolean }).skipped).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("reads the gather's dpkg-query when it ran first (probeFacts), and starts its own only without it", () => {
    // dpkg-query as it answers in either format the facts ask: `${Package}\t…` (the batch) or `${db:…}|…`.
    const dpkg =
      'case "$2" in "-f=\\${Package}"*) ' +
      'printf \'%s\\t%s\\t%s\\n\' ovn-common "ii " 23.03.1 ovn-host "ii " 23.03.1 ;; ' +
      "*) printf '%s\\n' 'ii |ovn-common|23.03.1' 'ii |ovn-host|23.03.1' ;; esac";
    const probe = aptProbe(['ovn-host', 'ovn-common'], SOURCE, false);
    const both = [debPackages(['ovn-common', 'ovn-host']), probe];
    const { out, calls } = runWithStubs([], buildGatherScript(both, 'n0nce'), dpkg);
    const facts = parseGatherOutput(both, out, 'n0nce');
    expect(facts.get(probe.key)).toMatchObject({
      skipped: true,
      installed: { 'ovn-host': '23.03.1', 'ovn-common': '23.03.1' },
    });
    expect(calls.filter((c) => c.startsWith('dpkg-query'))).toHaveLength(1);
    // A dpkg-query that did not ask for every package the probe needs is not used: it asks itself.
    const fewer = [debPackages(['ovn-host']), probe];
    const second = runWithStubs([], buildGatherScript(fewer, 'n0nce'), dpkg);
    expect(parseGatherOutput(fewer, second.out, 'n0nce').get(probe.key)).toMatchObject({ skipped: true });
    expect(second.calls.filter((c) => c.startsWith('dpkg-query'))).toHaveLength(2);
  });

  it('with no package to install, runs nothing at all', () => {
    const { out, calls } = runProbe([], []);
    expect(parseAptProbe(out).skipped).toBe(true);
    expect(calls).toEqual([]);
  });

  it('probes when one package is missing or only configured-files ("rc"), in a temp dir it removes', () => {
    const { out, calls, tmp } = runProbe(
      ['ii |ovn-host|23.03.1-1~deb12u2', 'rc |ovn-common|23.03.1-1~deb12u2'],
      ['ovn-host', 'ovn-common'],
    );
    expect(parseAptProbe(out).skipped).toBe(false);
    const update = calls.find((c) => c.startsWith('apt-get '));
    const policy = calls.find((c) => c.startsWith('apt-cache '));
    for (const call of [update, policy]) {
      expect(call).toMatch(new RegExp(`Dir::State::Lists=${tmp}/ovnctl-preflight\\.[^/ ]+/lists`));
      expect(call).toMatch(/Dir::Etc::SourceList=\S+\/sources\.list /);
      expect(call).not.toMatch(/\/var\/lib\/apt/);
    }
    expect(update).toMatch(/ update$/);
    expect(policy).toMatch(/ policy ovn-common ovn-host$/);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
