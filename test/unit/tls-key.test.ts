// tls_key: the host's private key and certificate request are made on the host (the key never leaves it),
// kept when they match, and a request for the wrong name or key is made again from the key there. A host
// with hosts.<name>.tls gets its own key uploaded as a secret instead. The facts are what the hostTls
// fact's own shell command reads from a directory standing in for /etc/ovn, and the planned commands are
// run there too, so a rerun is checked against what the commands really did.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostTls } from '../../src/facts/tls.js';
import { tlsKey } from '../../src/operations/tls.js';
import type { Plan } from '../../src/operations/module.js';
import { guideInventory } from '../helpers/inventory.js';
import { planWith, scripts } from '../helpers/plan.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ovnctl-tls-key-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const KEY = '/etc/ovn/ovnctl-privkey.pem';
const REQ = '/etc/ovn/ovnctl-req.pem';

/** A fresh directory that stands in for the host's /etc/ovn (its parent stands for /etc). */
function fakeEtc(): string {
  const etc = mkdtempSync(join(tmp, 'etc-'));
  mkdirSync(join(etc, 'ovn'));
  return etc;
}
const onHost = (script: string, etc: string) => script.replaceAll('/etc/ovn', join(etc, 'ovn'));
function sh(script: string, etc: string, stdin?: Buffer): { stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('sh', ['-c', onHost(script, etc)], { input: stdin, encoding: 'utf8' });
    return { stdout, stderr: '' };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; message: string };
    throw new Error(`command failed: ${err.message}\n${err.stderr}`);
  }
}
/** What the hostTls fact reads on that host: its own command, run there. */
const factOn = (etc: string) => ({ raw: sh(hostTls.command, etc).stdout });
const openssl = (etc: string, ...args: string[]) =>
  execFileSync('openssl', args, { cwd: join(etc, 'ovn'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** A key and a request for `cn` as files in the fake /etc/ovn. */
function makeKeyAndRequest(etc: string, cn: string): void {
  openssl(
    etc,
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    'ovnctl-privkey.pem',
    '-out',
    'ovnctl-req.pem',
  );
}
const read = (etc: string, f: string) => readFileSync(onHost(f, etc), 'utf8');
const plan = (etc: string, inv = guideInventory(), hostName = 'n1', assets: Record<string, Buffer> = {}) =>
  planWith(
    tlsKey,
    {},
    { 'tls.host': factOn(etc) },
    inv,
    inv.hosts.find((h) => h.name === hostName),
    assets,
  );
function apply(p: Plan, etc: string): string {
  return p.commands
    .map((c) => sh(c.script, etc, c.stdin))
    .map((o) => o.stdout + o.stderr)
    .join('');
}
const subjectOfRequest = (etc: string) => openssl(etc, 'req', '-in', 'ovnctl-req.pem', '-noout', '-subject').trim();
const pubOf = (etc: string, what: 'key' | 'req') =>
  what === 'key'
    ? openssl(etc, 'pkey', '-in', 'ovnctl-privkey.pem', '-pubout')
    : openssl(etc, 'req', '-in', 'ovnctl-req.pem', '-noout', '-pubkey');

describe('tls_key without hosts.<name>.tls', () => {
  it('no key: one command makes key and request under umask 077, renamed into place, for CN=<host>', async () => {
    const etc = fakeEtc();
    const p = await plan(etc);
    expect(p.commands).toHaveLength(1);
    const [script] = scripts(p);
    expect(script).toMatch(/umask 077 && openssl req -new -newkey ec /);
    expect(script).toContain('-subj /CN=n1 ');
    expect(script).toContain(`-keyout ${KEY}.ovnctl-tmp -out ${REQ}`);
    expect(script).toMatch(new RegExp(`&& mv -f ${KEY}\\.ovnctl-tmp ${KEY}$`));
    expect(p.msg).toContain('CN=n1');
    // Run it: the key is there, owner-only, the request is for n1 and the key's, and nothing was printed.
    const out = apply(p, etc);
    expect(out).not.toContain('PRIVATE KEY');
    expect(out).toBe('');
    expect(statSync(onHost(KEY, etc)).mode & 0o777).toBe(0o600);
    expect(read(etc, KEY)).toContain('-----BEGIN PRIVATE KEY-----');
    expect(subjectOfRequest(etc)).toBe('subject=CN = n1');
    expect(pubOf(etc, 'req')).toBe(pubOf(etc, 'key'));
    // A rerun changes nothing.
    const again = await plan(etc);
    expect(again.commands).toEqual([]);
  });

  it('the command line never carries key material, only paths', async () => {
    const etc = fakeEtc();
    const [cmd] = (await plan(etc)).commands;
    expect(cmd.display).not.toContain('PRIVATE KEY');
    expect(cmd.script).not.toContain('PRIVATE KEY');
    expect(cmd.stdin).toBeUndefined();
  });

  it('key present and request for the host with the same key: no change', async () => {
    const etc = fakeEtc();
    makeKeyAndRequest(etc, 'n1');
    const p = await plan(etc);
    expect(p.commands).toEqual([]);
    expect(p.msg).toContain('CN=n1');
  });

  it('a request for another CN: a new request from the existing key, the key untouched', async () => {
    const etc = fakeEtc();
    makeKeyAndRequest(etc, 'm1');
    const key = read(etc, KEY);
    const p = await plan(etc);
    expect(scripts(p)).toEqual([`openssl req -new -key ${KEY} -subj /CN=n1 -out ${REQ} 2>/dev/null`]);
    expect(apply(p, etc)).toBe('');
    expect(read(etc, KEY)).toBe(key);
    expect(subjectOfRequest(etc)).toBe('subject=CN = n1');
    expect(pubOf(etc, 'req')).toBe(pubOf(etc, 'key'));
    expect((await plan(etc)).commands).toEqual([]);
  });

  it("a request of another key: a new request from the host's key, the key untouched", async () => {
    const etc = fakeEtc();
    makeKeyAndRequest(etc, 'n1');
    const key = read(etc, KEY);
    // Another key's request (for the right CN) replaces the host's request.
    const other = fakeEtc();
    makeKeyAndRequest(other, 'n1');
    writeFileSync(onHost(REQ, etc), read(other, REQ));
    const p = await plan(etc);
    expect(scripts(p)).toEqual([`openssl req -new -key ${KEY} -subj /CN=n1 -out ${REQ} 2>/dev/null`]);
    apply(p, etc);
    expect(read(etc, KEY)).toBe(key);
    expect(pubOf(etc, 'req')).toBe(pubOf(etc, 'key'));
    expect((await plan(etc)).commands).toEqual([]);
  });

  it('a key but no request: a request from that key', async () => {
    const etc = fakeEtc();
    makeKeyAndRequest(etc, 'n1');
    rmSync(onHost(REQ, etc));
    const p = await plan(etc);
    expect(scripts(p)).toEqual([`openssl req -new -key ${KEY} -subj /CN=n1 -out ${REQ} 2>/dev/null`]);
  });

  it('a damaged request (PEM markers, garbage inside) is made again from the key, not a failure', async () => {
    const etc = fakeEtc();
    makeKeyAndRequest(etc, 'n1');
    writeFileSync(
      onHost(REQ, etc),
      '-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgcmVxdWVzdA==\n-----END CERTIFICATE REQUEST-----\n',
    );
    const p = await plan(etc);
    expect(scripts(p)).toEqual([`openssl req -new -key ${KEY} -subj /CN=n1 -out ${REQ} 2>/dev/null`]);
  });

  it('an unreadable key (fact: key=1, empty sha) is replaced by a new key and request', async () => {
    const inv = guideInventory();
    const p = await planWith(tlsKey, {}, { 'tls.host': { raw: 'key=1\nkeypub=\n' } }, inv, inv.hosts[1]);
    expect(scripts(p)).toHaveLength(1);
    expect(scripts(p)[0]).toContain('umask 077 && openssl req -new -newkey ec');
    expect(p.msg).toMatch(/unreadable/);
  });
});

describe('tls_key with hosts.<name>.tls (a key issued elsewhere)', () => {
  const keyFile = '/local/n1.key';
  const withOwnKey = () => {
    const inv = guideInventory({ tls: { enabled: true, caDir: '/tmp/pki', renewDays: 30 } });
    inv.hosts[1] = { ...inv.hosts[1], tls: { cert: '/local/n1.crt', key: keyFile } };
    return inv;
  };

  it("uploads the key with mode 0600, as a secret: the display never shows the key's text", async () => {
    const local = fakeEtc();
    makeKeyAndRequest(local, 'n1');
    const keyPem = read(local, KEY);
    const etc = fakeEtc();
    const p = await plan(etc, withOwnKey(), 'n1', { [keyFile]: Buffer.from(keyPem) });
    expect(p.commands).toHaveLength(1);
    const [cmd] = p.commands;
    expect(cmd.script).toContain(`chmod 0600 ${KEY}.ovnctl-tmp`);
    expect(cmd.script).toMatch(new RegExp(`mv -f ${KEY}\\.ovnctl-tmp ${KEY}$`));
    expect(cmd.stdin?.toString('utf8')).toBe(keyPem);
    const body = keyPem.split('\n')[1];
    for (const shown of [cmd.display, cmd.script, p.msg ?? '']) {
      expect(shown).not.toContain('PRIVATE KEY');
      expect(shown).not.toContain(body);
    }
    expect(cmd.display).toContain('secret content');
    expect(p.msg).toContain(keyFile);
    // Applied: the host has the key, owner-only, and the next plan changes nothing.
    apply(p, etc);
    expect(read(etc, KEY)).toBe(keyPem);
    expect(statSync(onHost(KEY, etc)).mode & 0o777).toBe(0o600);
    const again = await plan(etc, withOwnKey(), 'n1', { [keyFile]: Buffer.from(keyPem) });
    expect(again.commands).toEqual([]);
  });

  it("no change when the host's key has the local key's public sha256", async () => {
    const etc = fakeEtc();
    makeKeyAndRequest(etc, 'n1');
    const p = await plan(etc, withOwnKey(), 'n1', { [keyFile]: Buffer.from(read(etc, KEY)) });
    expect(p.commands).toEqual([]);
  });

  it('another key on the host: the local key is uploaded over it', async () => {
    const etc = fakeEtc();
    makeKeyAndRequest(etc, 'n1');
    const local = fakeEtc();
    makeKeyAndRequest(local, 'n1');
    const p = await plan(etc, withOwnKey(), 'n1', { [keyFile]: Buffer.from(read(local, KEY)) });
    expect(p.commands).toHaveLength(1);
    expect(p.commands[0].stdin?.toString('utf8')).toBe(read(local, KEY));
  });
});
