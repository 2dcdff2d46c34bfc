// A failed apt-get says which of its fetch errors were transient (apt retried them, Acquire::Retries)
// and which apt does not retry: from apt-get runs on a lab host against a mirror that refused, timed
// out, answered 503 or 404 (test/fixtures/apt-status/), and from apt's own error texts.
import { describe, expect, it } from 'vitest';
import { fetchFailures, transientKind } from '../../../src/operations/apt-errors.js';
import { aptBuildDep, aptFailure, aptPackages } from '../../../src/operations/apt.js';
import { aptFixture } from '../../helpers/apt-fixtures.js';

const recorded = (name: string) => ({ stdout: aptFixture(`${name}.stdout`), stderr: aptFixture(`${name}.stderr`) });
const RERUN = 'the mirror was unreachable or overloaded; a rerun may succeed';

describe("apt's error texts", () => {
  it('transient: what apt retries (failed or timed-out connects, name lookups, lost connections, 408/429/5xx)', () => {
    const cases: [string, string][] = [
      ['Could not connect to 10.0.0.1:80 (10.0.0.1), connection timed out', 'connection timed out'],
      ['Could not connect to 10.0.0.1:80 (10.0.0.1). - connect (111: Connection refused)', 'connection refused'],
      ['Could not connect to 10.0.0.1:80 (10.0.0.1). - connect (113: No route to host)', 'could not connect'],
      ['Unable to connect to 10.0.0.1:80:', 'could not connect'],
      ["Temporary failure resolving 'deb.debian.org'", 'temporary failure resolving'],
      ["Could not resolve 'deb.debian.org'", 'name lookup failed'],
      ['Connection failed', 'connection failed'],
      ['Error reading from server. Remote end closed connection [IP: 10.0.0.1 80]', 'connection lost'],
      ['503  Service Unavailable [IP: 10.0.0.1 80]', '503 Service Unavailable'],
      ['502  Bad Gateway [IP: 10.0.0.1 80]', '502 Bad Gateway'],
      ['429  Too Many Requests [IP: 10.0.0.1 80]', '429 Too Many Requests'],
    ];
    for (const [text, kind] of cases) expect(transientKind(text), text).toBe(kind);
  });

  it('not transient: what apt does not retry (missing files, wrong content)', () => {
    for (const text of [
      '404  Not Found [IP: 10.0.0.1 80]',
      '403  Forbidden [IP: 10.0.0.1 80]',
      'Hash Sum mismatch',
      'File has unexpected size (1024 != 2048). Mirror sync in progress? [IP: 10.0.0.1 80]',
      "Clearsigned file isn't valid, got 'NOSPLIT' (does the network require authentication?)",
    ]) {
      expect(transientKind(text), text).toBeUndefined();
    }
  });
});

describe('a failed apt-get, recorded', () => {
  it('connection refused: every fetch transient, retried 3 times by apt', () => {
    expect(aptFailure(recorded('install-refused'))).toBe(
      'apt: 5 fetches failed with transient errors (connection refused, could not connect) ' +
        `after 3 retries each (Acquire::Retries=3): ${RERUN}`,
    );
  });

  it('connect timeouts (a mirror that cannot accept every connection at once)', () => {
    expect(aptFailure(recorded('install-timeout'))).toBe(
      'apt: 5 fetches failed with transient errors (connection timed out, could not connect) ' +
        `after 3 retries each (Acquire::Retries=3): ${RERUN}`,
    );
  });

  it('503 and 404 in one run: each kind on its own line, the 404 not retried', () => {
    const failures = fetchFailures(recorded('install-503-404').stdout, '');
    expect(failures.find((f) => f.item.includes('ovn-host'))).toMatchObject({
      error: '404 Not Found',
      transient: undefined,
      retries: 0,
    });
    expect(aptFailure(recorded('install-503-404'))!.split('\n')).toEqual([
      'apt: 4 fetches failed with transient errors (503 Service Unavailable) after 3 retries each ' +
        `(Acquire::Retries=3): ${RERUN}`,
      'apt: 1 fetch failed with an error apt does not retry (404 Not Found)',
    ]);
  });

  it('apt-get update: the index fetch that was refused; a suite the mirror lacks is not transient', () => {
    expect(aptFailure(recorded('update-refused'))).toBe(
      `apt: 1 fetch failed with a transient error (connection refused) after 3 retries (Acquire::Retries=3): ${RERUN}`,
    );
    expect(aptFailure(recorded('update-404'))).toBe(
      'apt: 1 fetch failed with an error apt does not retry (404 Not Found)',
    );
  });

  it('from its stderr alone (no Err: lines, e.g. a quieter apt): the URLs, retries as asked', () => {
    const { stderr } = recorded('install-503-404');
    const failures = fetchFailures('', stderr);
    expect(failures.map((f) => f.item)).toContain(
      'http://10.213.89.1:8080/debian/pool/main/ovn-host_23.03.1-1%7edeb12u2_amd64.deb',
    );
    expect(aptFailure({ stdout: '', stderr })!.split('\n')[0]).toMatch(
      /^apt: 4 fetches failed with transient errors \(503 Service Unavailable\) after up to 3 retries each/,
    );
  });

  it('says nothing when no fetch failed (a successful run, a held lock, an unknown package)', () => {
    expect(aptFailure(recorded('install-ovs'))).toBeUndefined();
    expect(
      aptFailure({
        stdout: 'Reading package lists...\n',
        stderr:
          'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 772 (python3)\n' +
          'E: Unable to locate package ovn-hots\n',
      }),
    ).toBeUndefined();
  });

  it('is the failure note of apt and apt_build_dep (whose commands ask for Acquire::Retries=3: apt.test.ts)', () => {
    expect(aptPackages.failureNote).toBe(aptFailure);
    expect(aptBuildDep.failureNote).toBe(aptFailure);
  });
});
