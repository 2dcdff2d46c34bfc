// apt's Status-Fd lines in words, with their percent: from lines apt-get wrote on a lab host while it
// downloaded, unpacked, configured and purged OVS and OVN (test/fixtures/apt-status/).
import { describe, expect, it } from 'vitest';
import { aptProgress } from '../../../src/operations/apt.js';
import { aptStatus } from '../../../src/operations/apt-status.js';
import type { Progress } from '../../../src/operations/module.js';
import { aptFixture } from '../../helpers/apt-fixtures.js';

/** Every line of a recording that apt's progress hook puts in words (lock waits are strings). */
function steps(name: string): Progress[] {
  return aptFixture(name)
    .split(/\r?\n|\r/)
    .map((l) => aptProgress(l))
    .filter((p) => p !== undefined)
    .map((p) => (typeof p === 'string' ? { msg: p } : p));
}

const percents = (ps: Progress[]) => ps.map((p) => p.percent!);
const nonDecreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x >= xs[i - 1]);

describe('one Status-Fd line', () => {
  it("a download step: apt's words without the changing time estimate, the whole percent", () => {
    expect(aptStatus('dlstatus:4:27.6195:Retrieving file 4 of 4')).toEqual({
      msg: 'retrieving file 4 of 4',
      percent: 27,
    });
    expect(aptStatus('dlstatus:3:68.6896:Retrieving file 3 of 14 (1min 5s remaining)')).toEqual({
      msg: 'retrieving file 3 of 14',
      percent: 68,
    });
    expect(aptStatus('dlstatus:14:100.0000:Retrieving file 14 of 14')?.percent).toBe(100);
  });

  it('a dpkg step: the package and what dpkg does to it, without the architecture', () => {
    expect(aptStatus('pmstatus:ovn-host:47.3684:Unpacking ovn-host (amd64)')).toEqual({
      msg: 'unpacking ovn-host',
      percent: 47,
    });
    expect(aptStatus('pmstatus:ovn-common:61.9048:Completely removing ovn-common (amd64)')).toEqual({
      msg: 'completely removing ovn-common',
      percent: 61,
    });
    expect(aptStatus('pmstatus:dpkg-exec:0.0000:Running dpkg')).toEqual({ msg: 'running dpkg', percent: 0 });
  });

  it('a status line glued to the unterminated rest of an ordinary one (apt buffers only its stdout)', () => {
    expect(aptStatus('Get:3 http://10.213.89.1:8080/debian bookwpmstatus:kmod:5.2632:Unpacking kmod (amd64)')).toEqual({
      msg: 'unpacking kmod',
      percent: 5,
    });
  });

  it("dpkg's errors and config-file questions name the package (which may carry its architecture)", () => {
    const why = 'installed ovn-host package post-installation script subprocess returned error exit status 1';
    expect(aptStatus(`pmerror:ovn-host:amd64:84.6154:${why}`)).toEqual({
      msg: `dpkg failed on ovn-host: ${why}`,
      percent: 84,
    });
    const conf = "'/etc/default/openvswitch-switch' '/etc/default/openvswitch-switch.dpkg-new' 1 1";
    expect(aptStatus(`pmconffile:openvswitch-switch:50.0000:${conf}`)?.msg).toBe(
      `dpkg asks about a changed configuration file of openvswitch-switch: ${conf}`,
    );
  });

  it("ignores apt's and dpkg's ordinary lines, their own percentages included", () => {
    for (const line of [
      'Unpacking libkmod2:amd64 (30+20221128-1) ...',
      'Setting up openvswitch-switch (3.1.0-2+deb12u1) ...',
      '(Reading database ... 45%',
      'Progress: [ 42%]',
      'Get:1 http://10.213.89.1:8080/debian bookworm InRelease [1435 B]',
      'Fetched 7045 kB in 0s (25.3 MB/s)',
      '',
    ]) {
      expect(aptStatus(line), line).toBeUndefined();
    }
  });
});

describe('recorded installs and purges', () => {
  it('an install of OVS: every status line becomes a step; download then dpkg, each rising from 0', () => {
    const text = aptFixture('install-ovs.stdout');
    const all = steps('install-ovs.stdout');
    expect(all).toHaveLength(text.split('\n').filter((l) => /(dl|pm)status:/.test(l)).length);
    const download = all.filter((s) => s.msg.startsWith('retrieving file'));
    const dpkg = all.slice(all.findIndex((s) => s.msg === 'running dpkg'));
    expect(download.length + dpkg.length).toBe(all.length);
    expect(nonDecreasing(percents(download))).toBe(true);
    expect(percents(download).at(-1)).toBe(100);
    expect(nonDecreasing(percents(dpkg))).toBe(true);
    expect(percents(dpkg)[0]).toBe(0);
    expect(all.map((s) => s.msg)).toEqual(
      expect.arrayContaining([
        'retrieving file 14 of 14',
        'unpacking openvswitch-switch',
        'configuring openvswitch-switch',
        'installed openvswitch-switch',
      ]),
    );
  });

  it('an update reports its index downloads', () => {
    const all = steps('update.stdout');
    expect(all.at(-1)).toEqual({ msg: 'retrieving file 4 of 4', percent: 100 });
    expect(nonDecreasing(percents(all))).toBe(true);
  });

  it('a purge: removing, then purging the configuration files, rising', () => {
    const all = steps('purge.stdout');
    expect(nonDecreasing(percents(all))).toBe(true);
    expect(all.map((s) => s.msg)).toEqual(
      expect.arrayContaining([
        'preparing for removal of ovn-host',
        'removing openvswitch-switch',
        'preparing to completely remove ovn-common',
        'completely removed ovn-common',
      ]),
    );
  });
});
