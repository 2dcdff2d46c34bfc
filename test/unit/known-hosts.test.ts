import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appendHostKey,
  checkHostKey,
  findHostKey,
  fingerprint,
  hashHostName,
  hostKeyName,
  keyTypeOf,
  knownKeyTypes,
  matchesHost,
  parseKnownHosts,
} from '../../src/connection/known-hosts.js';

// Fixtures made with OpenSSH 9.2: ssh-keygen -t ed25519 / ecdsa, `ssh-keygen -l`, `ssh-keygen -H`.
const A = 'AAAAC3NzaC1lZDI1NTE5AAAAIK6LlYKbRkY+JRk/Wg1r+Q32LZ1Xs9hNH+jxJlT/G2vN';
const A_FP = 'SHA256:NWRqKB32P7Vf/sytWSfdJBxCe4DobdIUh+HVwD7Bbpo';
const B = 'AAAAC3NzaC1lZDI1NTE5AAAAIMcslaQu+t9nfum4xwHAUId89cIMElDvn3RtxrWBdnPA';
const B_FP = 'SHA256:SIp9fjStoVA3Fa8uGNSggC9JlFL1gMULTilsPaaAvOk';
const C =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEXIomHBX7zO2LREJVKQcnVX5N2FlGWLh+jyxStRulgp' +
  'Q896L5lqflQG4956R6eCQ/is9QQz22NjvxCyuva+oA4=';
// `ssh-keygen -H` of "[10.0.0.5]:2222 <A>" and "10.0.0.6 <B>".
const HASHED_A = '|1|vvozlQOxuop6oRYKKR2cjeALtXU=|9QU8gWoUzuXIo8xKUc1W0hGsLWo=';
const HASHED_B = '|1|Z1sDcY7A+V/Mfydr8mjQZxBCLjI=|Hq1Bw23H7KgsxuTEMLcNwYiAGM4=';

const blob = (b64: string) => Buffer.from(b64, 'base64');
const ED = 'ssh-ed25519';
const check = (text: string, host: string, port: number, b64: string, type = ED) =>
  findHostKey(parseKnownHosts(text), host, port, type, blob(b64));

describe('known_hosts primitives', () => {
  it('formats fingerprints like ssh-keygen -l', () => {
    expect(fingerprint(blob(A))).toBe(A_FP);
    expect(fingerprint(blob(B))).toBe(B_FP);
  });

  it('reads the key type from the blob', () => {
    expect(keyTypeOf(blob(A))).toBe(ED);
    expect(keyTypeOf(blob(C))).toBe('ecdsa-sha2-nistp256');
    expect(() => keyTypeOf(Buffer.from([0, 0, 1]))).toThrow();
  });

  it('names non-22 ports in brackets', () => {
    expect(hostKeyName('10.0.0.5', 22)).toBe('10.0.0.5');
    expect(hostKeyName('Node1.Example', 2222)).toBe('[node1.example]:2222');
  });

  it('hashes host names exactly as ssh-keygen -H does', () => {
    const salt = Buffer.from('vvozlQOxuop6oRYKKR2cjeALtXU=', 'base64');
    expect(hashHostName('[10.0.0.5]:2222', salt)).toBe(HASHED_A);
    expect(matchesHost(HASHED_A, '[10.0.0.5]:2222')).toBe(true);
    expect(matchesHost(HASHED_A, '10.0.0.5')).toBe(false);
    expect(matchesHost(HASHED_B, '10.0.0.6')).toBe(true);
    expect(matchesHost(hashHostName('x'), 'x')).toBe(true);
  });

  it('matches pattern lists with wildcards and negation', () => {
    expect(matchesHost('a,b,10.0.0.7', '10.0.0.7')).toBe(true);
    expect(matchesHost('10.0.0.*', '10.0.0.7')).toBe(true);
    expect(matchesHost('10.0.0.?', '10.0.0.17')).toBe(false);
    expect(matchesHost('10.0.0.*,!10.0.0.7', '10.0.0.7')).toBe(false);
    expect(matchesHost('NODE1', 'node1')).toBe(true);
    expect(matchesHost('10.0.0.5', '[10.0.0.5]:2222')).toBe(false);
  });

  it('parses comments, blanks, markers and skips malformed lines', () => {
    const text = [
      '# comment',
      '',
      `10.0.0.1 ${ED} ${A} root@x`,
      `@revoked * ${ED} ${B}`,
      `@cert-authority *.example ${ED} ${A}`,
      '@bogus x ssh-ed25519 AAAA',
      `10.0.0.2 ${ED}`,
      `10.0.0.3 ssh-rsa ${A}`, // type field disagrees with the blob
      `  [10.0.0.4]:2222\t${ED} ${A}\r`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => [e.line, e.marker, e.hosts])).toEqual([
      [3, undefined, '10.0.0.1'],
      [4, 'revoked', '*'],
      [5, 'cert-authority', '*.example'],
      [9, undefined, '[10.0.0.4]:2222'],
    ]);
  });
});

describe('findHostKey', () => {
  it('known, unknown and changed (with the old line and fingerprint)', () => {
    const text = `# x\n[10.0.0.5]:2222 ${ED} ${A}\n10.0.0.6 ${ED} ${B}\n`;
    expect(check(text, '10.0.0.5', 2222, A)).toEqual({ status: 'known', line: 2 });
    expect(check(text, '10.0.0.5', 22, A)).toEqual({ status: 'unknown' });
    expect(check(text, '10.0.0.6', 22, A)).toEqual({
      status: 'changed',
      line: 3,
      knownKeyType: ED,
      knownFingerprint: B_FP,
    });
  });

  it('a known key of another type is not "changed"', () => {
    const text = `10.0.0.6 ecdsa-sha2-nistp256 ${C}\n`;
    expect(check(text, '10.0.0.6', 22, A)).toEqual({ status: 'unknown' });
  });

  it('accepts hashed entries', () => {
    const text = `${HASHED_A} ${ED} ${A}\n${HASHED_B} ${ED} ${B}\n`;
    expect(check(text, '10.0.0.5', 2222, A)).toEqual({ status: 'known', line: 1 });
    expect(check(text, '10.0.0.6', 22, B)).toEqual({ status: 'known', line: 2 });
    expect(check(text, '10.0.0.6', 22, A).status).toBe('changed');
  });

  it('refuses @revoked keys even when also listed as good', () => {
    const text = `10.0.0.6 ${ED} ${A}\n@revoked * ${ED} ${A}\n`;
    expect(check(text, '10.0.0.6', 22, A)).toEqual({ status: 'revoked', line: 2 });
  });

  it('ignores @cert-authority lines', () => {
    expect(check(`@cert-authority * ${ED} ${A}\n`, '10.0.0.6', 22, A)).toEqual({ status: 'unknown' });
  });

  it('an exact match on any line wins over an older same-type key', () => {
    const text = `10.0.0.6 ${ED} ${B}\n10.0.0.6 ${ED} ${A}\n`;
    expect(check(text, '10.0.0.6', 22, A)).toEqual({ status: 'known', line: 2 });
  });
});

describe('known_hosts files', () => {
  let dir = '';
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));
  const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'kh-')));

  it('a missing file means unknown', async () => {
    expect(await checkHostKey(join(fresh(), 'none'), 'h', 22, ED, blob(A))).toEqual({ status: 'unknown' });
    expect(await knownKeyTypes(join(dir, 'none'), 'h', 22)).toEqual([]);
  });

  it('appendHostKey creates dir 0700 and file 0600 and records the key', async () => {
    const file = join(fresh(), 'sub', 'known_hosts');
    expect(await appendHostKey(file, '10.0.0.5', 2222, ED, blob(A))).toEqual({ added: true, line: 1 });
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`[10.0.0.5]:2222 ${ED} ${A}\n`);
    expect(await checkHostKey(file, '10.0.0.5', 2222, ED, blob(A))).toEqual({ status: 'known', line: 1 });
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('sees the file as it is now: a key appended or replaced after an earlier read of it', async () => {
    const file = join(fresh(), 'known_hosts');
    writeFileSync(file, `10.0.0.6 ${ED} ${B}\n`);
    expect(await checkHostKey(file, '10.0.0.5', 22, ED, blob(A))).toEqual({ status: 'unknown' });
    await appendHostKey(file, '10.0.0.5', 22, ED, blob(A));
    expect(await checkHostKey(file, '10.0.0.5', 22, ED, blob(A))).toEqual({ status: 'known', line: 2 });
    // The same size, another key: a new mtime (and inode) tells it apart.
    writeFileSync(`${file}.new`, `10.0.0.6 ${ED} ${A}\n10.0.0.5 ${ED} ${B}\n`);
    renameSync(`${file}.new`, file);
    expect((await checkHostKey(file, '10.0.0.5', 22, ED, blob(A))).status).toBe('changed');
    expect(await knownKeyTypes(file, '10.0.0.6', 22)).toEqual([ED]);
  });

  it('appends after a last line without newline, and reports the line', async () => {
    const file = join(fresh(), 'known_hosts');
    writeFileSync(file, `# mine\n10.0.0.6 ${ED} ${B}`);
    expect(await appendHostKey(file, '10.0.0.5', 22, ED, blob(A))).toEqual({ added: true, line: 3 });
    expect(readFileSync(file, 'utf8').split('\n')[2]).toBe(`10.0.0.5 ${ED} ${A}`);
  });

  it('does not record a changed key', async () => {
    const file = join(fresh(), 'known_hosts');
    writeFileSync(file, `10.0.0.6 ${ED} ${B}\n`);
    const res = await appendHostKey(file, '10.0.0.6', 22, ED, blob(A));
    expect(res).toEqual({
      added: false,
      check: { status: 'changed', line: 1, knownKeyType: ED, knownFingerprint: B_FP },
    });
    expect(readFileSync(file, 'utf8')).toBe(`10.0.0.6 ${ED} ${B}\n`);
  });

  it('parallel appends write exactly one line', async () => {
    const file = join(fresh(), 'known_hosts');
    const results = await Promise.all(
      Array.from({ length: 25 }, () => appendHostKey(file, '10.0.0.5', 2222, ED, blob(A))),
    );
    expect(results.filter((r) => r.added)).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).toBe(`[10.0.0.5]:2222 ${ED} ${A}\n`);
  });

  it('waits a bounded time for a held lock, and breaks a stale one', async () => {
    const file = join(fresh(), 'known_hosts');
    writeFileSync(`${file}.lock`, '1\n');
    await expect(appendHostKey(file, 'h', 22, ED, blob(A), { lockTimeoutMs: 150 })).rejects.toThrow(
      /could not lock .*known_hosts\.lock/,
    );
    const { utimesSync } = await import('node:fs');
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    expect((await appendHostKey(file, 'h', 22, ED, blob(A), { lockTimeoutMs: 150 })).added).toBe(true);
  });

  it('lists known key types for a host', async () => {
    const file = join(fresh(), 'known_hosts');
    writeFileSync(file, `h ecdsa-sha2-nistp256 ${C}\nh ${ED} ${A}\n@revoked h ${ED} ${B}\nother ${ED} ${B}\n`);
    expect(await knownKeyTypes(file, 'h', 22)).toEqual(['ecdsa-sha2-nistp256', ED]);
  });
});
