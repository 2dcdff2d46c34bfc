// Property (fast-check): any string value reaches the REMOTE shell byte-exact through ovnctl's quoting,
// over a real OpenSSH sshd - whatever the login shell (bash for root, dash for a user), through
// `sudo -n`, through the per-command-timeout wrapper (quoted twice), inside sh`` commands (words,
// lists, secrets), through the one-exec fact gathering, and as the file name and bytes of an upload.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnection } from '../../src/connection/ssh.js';
import { defineFact } from '../../src/facts/fact.js';
import { Resource } from '../../src/facts/resources.js';
import { gatherFacts } from '../../src/facts/gather.js';
import { raw, sh } from '../../src/shell/command.js';
import { quote } from '../../src/shell/quote.js';
import { Secret } from '../../src/shell/secret.js';
import { uploadCommand } from '../../src/shell/upload.js';
import { hostFor, sshdSkipReason, startSshd, type TestSshd } from '../helpers/sshd.js';

const skip = sshdSkipReason();
/** Runs per property; each run sends a batch of values in one exec (an exec costs a session on sshd). */
const RUNS = 25;
const TIMEOUT_MS = 240_000;

/** Characters every shell treats specially, and the ones that trip up quoting. */
const NASTY = [
  "'",
  '"',
  '\\',
  '$',
  '`',
  '!',
  '\n',
  '\r',
  '\t',
  ' ',
  ';',
  '&',
  '|',
  '<',
  '>',
  '(',
  ')',
  '{',
  '}',
  '*',
  '?',
  '[',
  ']',
  '~',
  '#',
  '%',
  '=',
  '-',
  '^',
  '\x1b',
  '\x7f',
  'é',
  '🚀',
  '\u200b',
  '\uffff',
];

/** Any string a shell word can hold: every Unicode code point but NUL (argv and the SSH exec request end there). */
const anyString = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.array(fc.constantFrom(...NASTY), { maxLength: 80 }).map((a) => a.join('')),
    fc.string({ unit: fc.constantFrom(...NASTY, 'a', 'Z', '0'), minLength: 500, maxLength: 2000 }),
  )
  .filter((s) => !s.includes('\0'));

describe.skipIf(skip)(`quoting on a real sshd, as a property${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let knownHosts: string;
  let conns: Record<'root' | 'sudo' | 'timeout' | 'dash', SshConnection>;
  // A throwaway user with dash as login shell; root's login shell is bash.
  const user = `ovnctl-q${process.pid}`;

  beforeAll(async () => {
    sshd = await startSshd();
    knownHosts = join(sshd.dir, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
    execFileSync('useradd', ['-m', '-s', '/usr/bin/dash', '-p', '*', user]);
    conns = {
      root: new SshConnection(hostFor(sshd, knownHosts)),
      sudo: new SshConnection(hostFor(sshd, knownHosts, { become: true })),
      timeout: new SshConnection(hostFor(sshd, knownHosts, { ssh: { commandTimeoutMs: 30_000 } })),
      dash: new SshConnection(hostFor(sshd, knownHosts, { ssh: { user } })),
    };
    await Promise.all(Object.values(conns).map((c) => c.connect()));
  });

  afterAll(async () => {
    await Promise.all(Object.values(conns ?? {}).map((c) => c.close()));
    try {
      execFileSync('userdel', ['-r', user], { stdio: 'ignore' });
    } catch {
      // never created
    }
    await sshd?.stop();
  });

  it('the login shells are what the property claims to cover', async () => {
    const shellOf = async (c: SshConnection) => (await c.exec('ps -o comm= -p $PPID')).stdout.trim();
    expect((await conns.timeout.exec('ps -o args= -p $PPID')).stdout).toMatch(/^timeout -s KILL /);
    expect(await shellOf(conns.dash)).toBe('dash');
    expect((await conns.sudo.exec('id -u')).stdout.trim()).toBe('0');
  });

  for (const via of ['root', 'sudo', 'timeout', 'dash'] as const) {
    it(
      `quote(s) reaches sh byte-exact (${via})`,
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(anyString, { minLength: 1, maxLength: 20 }), async (values) => {
            const res = await conns[via].exec(`printf '%s\\0' ${values.map(quote).join(' ')}`);
            expect(res.exitCode, res.stderr).toBe(0);
            expect(res.stdout.split('\0').slice(0, -1)).toEqual(values);
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT_MS,
    );
  }

  it('sh`` quotes every word of a list and reveals a Secret only in the script', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyString, { minLength: 1, maxLength: 20 }), anyString, async (words, secretValue) => {
        const secret = new Secret(secretValue);
        const cmd = sh`printf '%s\\0' ${words} ${secret}`;
        const res = await conns.root.exec(cmd.script, { display: cmd.display });
        expect(res.stdout.split('\0').slice(0, -1)).toEqual([...words, secretValue]);
        expect(res.command).toBe(cmd.display);
        if (secretValue.length > 0) expect(cmd.display.endsWith(quote('********'))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('a fact built with quote() comes back byte-exact through the batched gather', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyString, { minLength: 1, maxLength: 20 }), async (values) => {
        const facts = values.map((v, i) =>
          defineFact(`echo:${i}`, `printf '%s' ${quote(v)}`, (out) => out, { reads: [Resource.files] }),
        );
        const got = await gatherFacts(conns.root, facts);
        expect(values.map((_v, i) => got.get(`echo:${i}`))).toEqual(values);
      }),
      { numRuns: RUNS },
    );
  });

  it(
    'an upload writes any bytes to any file name, exactly',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ovnctl-upload-prop-'));
      // A file name: no '/', no NUL, not . or .., at most 200 UTF-8 bytes (NAME_MAX 255 with the temp suffix).
      const fileName = anyString.filter(
        (s) => s !== '' && s !== '.' && s !== '..' && !s.includes('/') && Buffer.byteLength(s) <= 200,
      );
      try {
        await fc.assert(
          fc.asyncProperty(fileName, fc.uint8Array({ maxLength: 4096 }), async (name, bytes) => {
            const dest = join(dir, name);
            const cmd = uploadCommand({ dest, content: Buffer.from(bytes), mode: '0600' });
            const res = await conns.sudo.exec(cmd.script, { stdin: cmd.stdin, display: cmd.display });
            expect(res.exitCode, res.stderr).toBe(0);
            expect(readFileSync(dest).equals(Buffer.from(bytes))).toBe(true);
            rmSync(dest);
          }),
          { numRuns: RUNS },
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    TIMEOUT_MS,
  );

  it('raw() is the only way around quoting: the same text as a value is inert', async () => {
    const marker = join(sshd.dir, 'pwned');
    const attack = `$(touch ${marker}); touch ${marker}; \`touch ${marker}\``;
    const res = await conns.root.exec(sh`echo ${attack}`.script);
    expect(res.stdout).toBe(`${attack}\n`);
    expect(() => readFileSync(marker)).toThrow();
    // and the same text as raw() does run: the test can tell the difference
    await conns.root.exec(sh`${raw(`touch ${quote(marker)}`)}`.script);
    expect(readFileSync(marker, 'utf8')).toBe('');
  });
});
