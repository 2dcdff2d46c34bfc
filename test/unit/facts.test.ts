import { describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { parseDpkgQuery } from '../../src/facts/apt.js';
import { defineFact } from '../../src/facts/fact.js';
import { Resource } from '../../src/facts/resources.js';
import { buildGatherScript, gatherFacts, parseGatherOutput } from '../../src/facts/gather.js';
import { parseOsRelease } from '../../src/facts/os.js';
import { parseConnectionTargets } from '../../src/ovn/output.js';
import { parseOvsdbMap } from '../../src/facts/ovs.js';

describe('fact parsers', () => {
  it('reads the codename without lsb_release, on Debian and Ubuntu and old releases', () => {
    expect(parseOsRelease('ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n').codename).toBe('bookworm');
    expect(parseOsRelease('ID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=jammy\n')).toMatchObject({
      id: 'ubuntu',
      codename: 'jammy',
      idLike: ['debian'],
    });
    expect(parseOsRelease('ID=debian\nVERSION="8 (jessie)"\n').codename).toBe('jessie');
  });
  it('reads dpkg-query output', () => {
    expect(parseDpkgQuery('ovn-host\tii \t23.03.1\novn-common\trc \t23.03\n', ['ovn-host', 'ovn-common', 'x'])).toEqual(
      {
        'ovn-host': { installed: true, version: '23.03.1' },
        'ovn-common': { installed: false, version: '23.03', configFiles: true },
        x: { installed: false, version: '' },
      },
    );
  });
  it('reads OVSDB maps with quoted keys and values', () => {
    expect(
      parseOvsdbMap('{hostname=n1, "ovn-remote"="tcp:10.0.0.10:6642,tcp:10.0.0.20:6642", system-id="a\\"b"}'),
    ).toEqual({
      hostname: 'n1',
      'ovn-remote': 'tcp:10.0.0.10:6642,tcp:10.0.0.20:6642',
      'system-id': 'a"b',
    });
    expect(parseOvsdbMap('{}')).toEqual({});
  });
  it('reads get-connection with and without the role prefix', () => {
    expect(parseConnectionTargets('read-write role="" ptcp:6642\n')).toEqual(['ptcp:6642']);
    expect(parseConnectionTargets('ptcp:6641\n')).toEqual(['ptcp:6641']);
    expect(parseConnectionTargets('')).toEqual([]);
  });
});

describe('gathering', () => {
  const reads = { reads: [Resource.files] };
  const a = defineFact('a', 'printf "one\\ntwo"', (o) => o.split('\n'), reads);
  const b = defineFact('b', 'echo hidden >&2; exit 3', (o, rc) => ({ o, rc }), reads);
  const c = defineFact('c', "printf '@@fake:0\\n'", (o) => o, reads);
  it('reads many facts in one exec, each with its own exit status', async () => {
    const conn = new LocalConnection('local');
    const values = await gatherFacts(conn, [a, b, c]);
    expect(values.get('a')).toEqual(['one', 'two']);
    expect(values.get('b')).toEqual({ o: '', rc: 3 });
    expect(values.get('c')).toBe('@@fake:0\n');
  });
  it('detects output cut short', () => {
    const script = buildGatherScript([a], 'n0nce');
    expect(script).toContain('@@n0nce');
    expect(() => parseGatherOutput([a], '\n@@n0nce:0\none', 'n0nce')).toThrow(/cut short/);
    expect(() => parseGatherOutput([a], '\n@@n0nce:0\none\n@@n0nce:rc:0', 'n0nce')).toThrow(/cut short/);
    const first = '\n@@n0nce:0\none\ntwo\n@@n0nce:rc:0\n';
    expect(() => parseGatherOutput([a, b], `${first}\n@@n0nce:1\nhid`, 'n0nce')).toThrow(/fact b .*cut short/);
  });
  it("splits the output at the gather's own markers only: empty outputs, another nonce, marker-like lines", () => {
    const out =
      '\n@@n0nce:0\n\n@@n0nce:rc:0\n' +
      '\n@@n0nce:1\n@@other:rc:7\n@@n0nce:x\n\n\n@@n0nce:rc:3\n' +
      '\n@@n0nce:2\n@@n0nce:rc:\n@@n0nce:rc:0\n';
    const values = parseGatherOutput([a, b, c], out, 'n0nce');
    expect(values.get('a')).toEqual(['']);
    expect(values.get('b')).toEqual({ o: '@@other:rc:7\n@@n0nce:x\n\n', rc: 3 });
    expect(values.get('c')).toBe('@@n0nce:rc:');
  });
});
