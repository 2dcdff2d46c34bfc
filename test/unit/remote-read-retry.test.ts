// verify's reads of a remote database from every node (src/ovn/dbctl.ts remoteReadText), run by a real
// sh against a stand-in ovn-sbctl: a try whose connection failed (what a full ovsdb-server listen queue
// gives one-shot clients: "failed ()") is tried again, up to 3 times; any other failure (a refused
// connection: nothing listens) or an answer ends it at once.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REMOTE_READ_TRIES, remoteReadText, retriedRead } from '../../src/ovn/dbctl.js';

/** A stand-in ovn-sbctl that answers each call with the next of `answers` (exit code, output line). */
function fakeClient(answers: Array<[number, string]>): { dir: string; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ovnctl-remote-read-'));
  const log = join(dir, 'calls');
  writeFileSync(log, '');
  const cases = answers.map(([rc, out], i) => `  ${i + 1}) echo ${JSON.stringify(out)} >&2; exit ${rc} ;;`).join('\n');
  writeFileSync(
    join(dir, 'ovn-sbctl'),
    `#!/bin/sh\necho "$*" >> ${JSON.stringify(log)}\nn=$(wc -l < ${JSON.stringify(log)})\n` +
      `case $n in\n${cases}\n  *) echo 'too many calls' >&2; exit 99 ;;\nesac\n`,
  );
  chmodSync(join(dir, 'ovn-sbctl'), 0o755);
  return { dir, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

function run(dir: string): Promise<{ rc: number; out: string }> {
  const script = remoteReadText('sb', ['get-connection'], { db: 'tcp:10.0.0.10:6642', leaderOnly: false });
  return new Promise((resolve) => {
    execFile('sh', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin` } }, (err, stdout) =>
      resolve({ rc: err ? Number((err as { code?: number }).code) : 0, out: stdout }),
    );
  });
}

const FAILED = 'ovn-sbctl: tcp:10.0.0.10:6642: database connection failed ()';

describe('a remote read from many hosts at once', () => {
  it('tries a failed connection again, and stops at the first answer or at another error', async () => {
    const twice = fakeClient([
      [1, FAILED],
      [1, FAILED],
      [0, 'read-write ptcp:6642'],
    ]);
    const other = fakeClient([[1, 'ovn-sbctl: tcp:10.0.0.10:6642: database connection failed (Connection refused)']]);
    const ok = fakeClient([[0, 'read-write ptcp:6642']]);
    const [a, b, c] = await Promise.all([run(twice.dir), run(other.dir), run(ok.dir)]);
    expect(a).toEqual({ rc: 0, out: 'read-write ptcp:6642\n' });
    expect(twice.calls()).toEqual(Array(3).fill('--db=tcp:10.0.0.10:6642 --no-leader-only --timeout=5 get-connection'));
    expect(b).toEqual({
      rc: 1,
      out: 'ovn-sbctl: tcp:10.0.0.10:6642: database connection failed (Connection refused)\n',
    });
    expect(other.calls()).toHaveLength(1);
    expect(c).toEqual({ rc: 0, out: 'read-write ptcp:6642\n' });
    expect(ok.calls()).toHaveLength(1);
  });

  it(`gives up after ${REMOTE_READ_TRIES} tries, with the client's exit code and how often it tried`, async () => {
    const down = fakeClient(Array(REMOTE_READ_TRIES).fill([1, FAILED]));
    const t0 = Date.now();
    expect(await run(down.dir)).toEqual({ rc: 1, out: `${FAILED} (tried 3 times)\n` });
    expect(down.calls()).toHaveLength(REMOTE_READ_TRIES);
    // Two pauses of 1.0-1.9 s each between the three tries.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_000);
  });

  it("wraps a shell function's read as well: verify --smoke's first lookup from every node", async () => {
    const once = fakeClient([
      [1, FAILED],
      [0, '5d4a6c39-0d0e-4c4e-9c2c-3a0b9e2f4b11'],
    ]);
    const script =
      'chassis=n1; sb() { ovn-sbctl --db=tcp:10.0.0.10:6642 --timeout=5 "$@"; }; ' +
      `want=$(${retriedRead('sb --bare --columns=_uuid find Chassis name="$chassis"')}) && echo "want=$want"`;
    const out = await new Promise<string>((resolve) =>
      execFile('sh', ['-c', script], { env: { PATH: `${once.dir}:/usr/bin:/bin` } }, (_e, stdout) => resolve(stdout)),
    );
    expect(out).toBe('want=5d4a6c39-0d0e-4c4e-9c2c-3a0b9e2f4b11\n');
    expect(once.calls()).toEqual(
      Array(2).fill('--db=tcp:10.0.0.10:6642 --timeout=5 --bare --columns=_uuid find Chassis name=n1'),
    );
  });
});
