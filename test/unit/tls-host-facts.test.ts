// The facts TLS reads on a host: hostTls (its key's public sha256 - never the key -, its request, its
// certificate and CA as PEM), parsed from realistic output and from its own command run on files standing
// in for /etc/ovn; and daemonOptions (what the running servers were given), from a real process.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonOptions, daemonsRunning } from '../../src/facts/process.js';
import { hostTls, parseHostTls } from '../../src/facts/tls.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ovnctl-tls-facts-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const REQ =
  '-----BEGIN CERTIFICATE REQUEST-----\nMIHIMHACAQAwDTELMAkGA1UEAwwCbjEw\n-----END CERTIFICATE REQUEST-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBkTCCATegAwIBAgIQ\n-----END CERTIFICATE-----\n';
const CA = '-----BEGIN CERTIFICATE-----\nMIIDRTCCAi2gAwIBAgIQ\n-----END CERTIFICATE-----\n';
// A real public key as openssl prints it, and the sha256 of its DER form (what node:crypto computes).
const PUB =
  '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEoUOzEhnNhAgllQ55+Zi6eC0KVVWs\n' +
  'Ol8K0ElAwD67iwWGx9bUarK4qL/d/HZSMt+NhDKLez3ELsO7t4P7s7fxTA==\n-----END PUBLIC KEY-----\n';
const SHA = createHash('sha256')
  .update(createPublicKey(PUB).export({ type: 'spki', format: 'der' }))
  .digest('hex');

describe('parseHostTls', () => {
  it('reads key, shas and the three PEM blocks exactly', () => {
    const out =
      `key=1\n--- ovnctl-tls keypub\n${PUB}--- ovnctl-tls reqinfo\nsubject=CN=n1\n${PUB}` +
      `--- ovnctl-tls req\n${REQ}--- ovnctl-tls cert\n${CERT}--- ovnctl-tls ca\n${CA}`;
    expect(parseHostTls(out)).toEqual({
      keyExists: true,
      keyPublicSha256: SHA,
      reqPublicSha256: SHA,
      reqSubject: 'CN=n1',
      req: REQ,
      cert: CERT,
      ca: CA,
    });
  });

  it('missing files: no key, empty shas, null PEMs', () => {
    const out = 'key=0\n--- ovnctl-tls req\n--- ovnctl-tls cert\n--- ovnctl-tls ca\n';
    expect(parseHostTls(out)).toEqual({
      keyExists: false,
      keyPublicSha256: '',
      reqPublicSha256: '',
      reqSubject: '',
      req: null,
      cert: null,
      ca: null,
    });
  });

  it('an unreadable key or request (openssl printed no public key) → empty sha', () => {
    const t = parseHostTls(
      'key=1\n--- ovnctl-tls keypub\n--- ovnctl-tls reqinfo\nsubject=CN=n1\n' + `--- ovnctl-tls req\n${REQ}`,
    );
    expect(t.keyExists).toBe(true);
    expect(t.keyPublicSha256).toBe('');
    expect(t.reqPublicSha256).toBe('');
  });

  it('a file with something else than PEM in it is null, not its text', () => {
    const t = parseHostTls('key=0\n--- ovnctl-tls req\n\n--- ovnctl-tls cert\nhello\n--- ovnctl-tls ca\n');
    expect(t.cert).toBeNull();
    expect(t.req).toBeNull();
  });
});

describe('the hostTls command on a host', () => {
  function etcWith(files: Record<string, string>): string {
    const etc = mkdtempSync(join(tmp, 'etc-'));
    mkdirSync(join(etc, 'ovn'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(etc, 'ovn', name), text, { mode: 0o600 });
    return etc;
  }
  const run = (etc: string) =>
    execFileSync('sh', ['-c', hostTls.command.replaceAll('/etc/ovn', join(etc, 'ovn'))], { encoding: 'utf8' });
  const keyAndRequest = (dir: string) =>
    execFileSync(
      'openssl',
      [
        ...['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=n1'],
        ...['-keyout', join(dir, 'k.pem'), '-out', join(dir, 'r.pem')],
      ],
      { stdio: 'ignore' },
    );

  it("reads the key's public sha256 as node:crypto computes it (DER SPKI), never the key itself", () => {
    keyAndRequest(tmp);
    const key = readFileSync(join(tmp, 'k.pem'), 'utf8');
    const req = readFileSync(join(tmp, 'r.pem'), 'utf8');
    const etc = etcWith({
      'ovnctl-privkey.pem': key,
      'ovnctl-req.pem': req,
      'ovnctl-cert.pem': CERT,
      'ovnctl-cacert.pem': CA,
    });
    const out = run(etc);
    expect(out).not.toContain('PRIVATE KEY');
    expect(out).not.toContain(key.split('\n')[1]);
    const t = parseHostTls(out);
    const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
    expect(t.keyPublicSha256).toBe(createHash('sha256').update(der).digest('hex'));
    expect(t.reqPublicSha256).toBe(t.keyPublicSha256);
    // Byte-exact: what tls_certificate compares with what it would upload.
    expect(t.req).toBe(req);
    expect(t.cert).toBe(CERT);
    expect(t.ca).toBe(CA);
  });

  it('nothing there: no key, nulls', () => {
    expect(parseHostTls(run(etcWith({})))).toEqual({
      keyExists: false,
      keyPublicSha256: '',
      reqPublicSha256: '',
      reqSubject: '',
      req: null,
      cert: null,
      ca: null,
    });
  });

  it('a damaged key file: keyExists with an empty sha (tls_key replaces it)', () => {
    const t = parseHostTls(run(etcWith({ 'ovnctl-privkey.pem': 'garbage\n' })));
    expect(t.keyExists).toBe(true);
    expect(t.keyPublicSha256).toBe('');
  });

  it('is one inline command that reads files only', () => {
    expect(hostTls.key).toBe('tls.host');
    expect(hostTls.inline).toBe(true);
  });
});

describe('daemonOptions: what the running ovn-central daemons were given', () => {
  const f = daemonOptions(['ovnsb_db', 'ovnnb_db', 'ovn-northd'], ['--ovnnb-db', '--ovnsb-db', '--private-key']);

  it("parses each daemon's pid and grep's `/proc/<pid>/cmdline:--option=value` lines; not running → null", () => {
    const out =
      '@ovn-northd 41\n@ovnnb_db 7\n/proc/41/cmdline:--ovnnb-db=ssl:10.0.0.1:6641\n' +
      '/proc/41/cmdline:--ovnsb-db=ssl:10.0.0.1:16642\n/proc/41/cmdline:--private-key=/etc/ovn/ovnctl-privkey.pem\n' +
      '/proc/7/cmdline:--private-key=db:OVN_Northbound,SSL,private_key\n/proc/99/cmdline:--private-key=/x\n';
    expect(f.parse(out, 0)).toEqual({
      'ovn-northd': {
        '--ovnnb-db': 'ssl:10.0.0.1:6641',
        '--ovnsb-db': 'ssl:10.0.0.1:16642',
        '--private-key': '/etc/ovn/ovnctl-privkey.pem',
      },
      ovnnb_db: { '--private-key': 'db:OVN_Northbound,SSL,private_key' },
      ovnsb_db: null,
    });
    expect(f.key).toBe('process.options:ovn-northd,ovnnb_db,ovnsb_db:--ovnnb-db,--ovnsb-db,--private-key');
  });

  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill();
  });
  /** A process whose argv holds these options, its pid written at `pidfile`. */
  function daemon(pidfile: string, args: string[]): void {
    const c = spawn('sh', ['-c', 'sleep 30; true', 'ovsdb-server', ...args], { stdio: 'ignore' });
    children.push(c);
    mkdirSync(join(pidfile, '..'), { recursive: true });
    writeFileSync(pidfile, `${c.pid}\n`);
  }
  const onHost = (cmd: string, root: string) =>
    cmd.replaceAll('/var/run/ovn/', `${root}/run-ovn/`).replaceAll('/var/run/openvswitch/', `${root}/run-ovs/`);
  const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });

  it("reads each running server's own options (and only the ones asked) from /proc", () => {
    const root = mkdtempSync(join(tmp, 'proc-'));
    daemon(`${root}/run-ovn/ovnnb_db.pid`, [
      '--remote=punix:/var/run/ovn/ovnnb_db.sock',
      '--private-key=/etc/ovn/ovnctl-privkey.pem',
      '--ovn-nb-db-ssl-key=/x',
    ]);
    daemon(`${root}/run-ovn/ovn-northd.pid`, ['--ovnnb-db=tcp:10.0.0.1:6641', '--ovnsb-db=tcp:10.0.0.1:6642']);
    const v = f.parse(sh(onHost(f.command, root)), 0);
    expect(v.ovnnb_db).toEqual({ '--private-key': '/etc/ovn/ovnctl-privkey.pem' });
    expect(v['ovn-northd']).toEqual({ '--ovnnb-db': 'tcp:10.0.0.1:6641', '--ovnsb-db': 'tcp:10.0.0.1:6642' });
    expect(v.ovnsb_db).toBeNull();
  });

  it('sees a daemon that daemonsRunning sees alive, wherever its pidfile is (/var/run/openvswitch too)', () => {
    const root = mkdtempSync(join(tmp, 'proc-'));
    daemon(`${root}/run-ovs/ovnsb_db.pid`, ['--private-key=/etc/ovn/ovnctl-privkey.pem']);
    const alive = daemonsRunning(['ovnsb_db']);
    expect(alive.parse(sh(onHost(alive.command, root)), 0)).toEqual({ ovnsb_db: true });
    const v = f.parse(sh(onHost(f.command, root)), 0);
    expect(v.ovnsb_db).toEqual({ '--private-key': '/etc/ovn/ovnctl-privkey.pem' });
  });
});
