// The inventory's tls section as a user writes it: private keys must be owner-only (exit 5 naming the file
// and where the inventory names it), a host's own key joins the secrets registry, nothing is checked with
// tls.enabled false, and paths are relative to the inventory (and rebased by --convert).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { toNativeYaml } from '../../src/inventory/convert.js';
import { loadInventory } from '../../src/inventory/load.js';
import { applySettingOverrides } from '../../src/inventory/overrides.js';
import { guideInventory } from '../helpers/inventory.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-tls-inv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY_TEXT =
  '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVGhpcyBpcyBub3Qg\n' +
  '-----END PRIVATE KEY-----\n';
const CERT_TEXT = '-----BEGIN CERTIFICATE-----\nMIIBkTCCATegAwIBAgIQ\n-----END CERTIFICATE-----\n';

/** An inventory `text` in a fresh directory with these files (name → [content, mode]). */
async function load(text: string, files: Record<string, [string, number]> = {}) {
  const sub = mkdtempSync(path.join(dir, 'case-'));
  for (const [name, [content, mode]] of Object.entries(files)) {
    const f = path.join(sub, name);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, content);
    chmodSync(f, mode);
  }
  const file = path.join(sub, 'inventory.yaml');
  writeFileSync(file, text);
  const result = await loadInventory(file, { env: { HOME: '/home/tester' } }).then(
    (inv) => ({ inv, err: undefined }),
    (err: unknown) => ({ inv: undefined, err }),
  );
  return { ...result, sub, file, text };
}
/** `file:line:col` of the value in the first `key: value` line `needle` of the inventory text (1-based). */
function at(file: string, text: string, needle: string): string {
  const i = text.indexOf(needle) + needle.indexOf(': ') + 2;
  const before = text.slice(0, i).split('\n');
  return `${file}:${before.length}:${before.at(-1)!.length + 1}`;
}

const HOSTS = 'hosts:\n  m1: {address: 10.0.0.10, roles: [master]}\n';
const N1_TLS =
  '  n1:\n    address: 10.0.0.11\n    roles: [node]\n    tls:\n      cert: ./n1.crt\n      key: ./n1.key\n';

describe('tls.enabled: private keys must be owner-only', () => {
  it('hosts.n1.tls.key at mode 0644: exit 5 naming the file and where, with the chmod that fixes it', async () => {
    const text = `tls:\n  enabled: true\n${HOSTS}${N1_TLS}`;
    const r = await load(text, { 'n1.crt': [CERT_TEXT, 0o644], 'n1.key': [KEY_TEXT, 0o644] });
    expect(r.err).toBeInstanceOf(InputError);
    const e = r.err as InputError;
    expect(e.exitCode).toBe(5);
    const keyFile = path.join(r.sub, 'n1.key');
    expect(e.message).toContain(keyFile);
    expect(e.message).toContain('mode 0644');
    expect(e.message).toContain(`chmod 600 ${keyFile}`);
    expect(e.message.startsWith(at(r.file, text, 'key: ./n1.key'))).toBe(true);
    expect(e.message).not.toContain('MIGHAgEA');
  });

  it('mode 0640 (group-readable) is loose too; 0600 and 0400 load', async () => {
    const text = `tls:\n  enabled: true\n${HOSTS}${N1_TLS}`;
    const loose = await load(text, { 'n1.crt': [CERT_TEXT, 0o644], 'n1.key': [KEY_TEXT, 0o640] });
    expect((loose.err as InputError)?.message).toContain('mode 0640');
    for (const mode of [0o600, 0o400]) {
      const ok = await load(text, { 'n1.crt': [CERT_TEXT, 0o644], 'n1.key': [KEY_TEXT, mode] });
      expect(ok.err).toBeUndefined();
    }
  });

  it('tls.ca.key loose: the same, at tls.ca.key', async () => {
    const text = `tls:\n  enabled: true\n  ca:\n    cert: ./ca.pem\n    key: ./ca.key\n${HOSTS}`;
    const r = await load(text, { 'ca.pem': [CERT_TEXT, 0o644], 'ca.key': [KEY_TEXT, 0o644] });
    const e = r.err as InputError;
    expect(e).toBeInstanceOf(InputError);
    expect(e.exitCode).toBe(5);
    expect(e.message).toContain(path.join(r.sub, 'ca.key'));
    expect(e.message.startsWith(at(r.file, text, 'key: ./ca.key'))).toBe(true);
  });

  it('an existing caDir/private/cakey.pem at 0644: the same, at tls.caDir', async () => {
    const text = `tls:\n  enabled: true\n  caDir: ./myca\n${HOSTS}`;
    const r = await load(text, { 'myca/cacert.pem': [CERT_TEXT, 0o644], 'myca/private/cakey.pem': [KEY_TEXT, 0o644] });
    const e = r.err as InputError;
    expect(e).toBeInstanceOf(InputError);
    expect(e.exitCode).toBe(5);
    expect(e.message).toContain(path.join(r.sub, 'myca', 'private', 'cakey.pem'));
    expect(e.message.startsWith(at(r.file, text, 'caDir: ./myca'))).toBe(true);
  });

  it('the default caDir (pki/ beside the inventory) is checked too', async () => {
    const text = `tls:\n  enabled: true\n${HOSTS}`;
    const r = await load(text, { 'pki/cacert.pem': [CERT_TEXT, 0o644], 'pki/private/cakey.pem': [KEY_TEXT, 0o604] });
    expect((r.err as InputError)?.message).toContain(path.join(r.sub, 'pki', 'private', 'cakey.pem'));
  });

  it('no CA yet in caDir is fine (the first install makes it)', async () => {
    const r = await load(`tls:\n  enabled: true\n${HOSTS}`);
    expect(r.err).toBeUndefined();
    expect(r.inv?.tls).toEqual({ enabled: true, caDir: path.join(r.sub, 'pki'), renewDays: 30 });
  });

  it('a missing host certificate or key file: exit 5 naming it', async () => {
    const text = `tls:\n  enabled: true\n${HOSTS}${N1_TLS}`;
    const r = await load(text, { 'n1.key': [KEY_TEXT, 0o600] });
    expect((r.err as InputError)?.exitCode).toBe(5);
    expect((r.err as InputError).message).toContain(`file ${path.join(r.sub, 'n1.crt')} does not exist`);
  });
});

describe('tls.enabled: a host key is a secret, paths are resolved', () => {
  it("the host key file's text is masked by inv.secrets.mask()", async () => {
    const text = `tls:\n  enabled: true\n${HOSTS}${N1_TLS}`;
    const r = await load(text, { 'n1.crt': [CERT_TEXT, 0o644], 'n1.key': [KEY_TEXT, 0o600] });
    expect(r.err).toBeUndefined();
    const masked = r.inv!.secrets.mask(`uploading ${KEY_TEXT} now`);
    expect(masked).not.toContain('MIGHAgEA');
    expect(masked).toBe('uploading ******** now');
  });

  it('hosts.n1.tls and tls.ca paths are made absolute, relative to the inventory', async () => {
    const ca = '  ca:\n    cert: ./ca.pem\n    key: ./ca.key\n';
    const text = `tls:\n  enabled: true\n  renewDays: 45\n${ca}${HOSTS}${N1_TLS}`;
    const r = await load(text, {
      'ca.pem': [CERT_TEXT, 0o644],
      'ca.key': [KEY_TEXT, 0o600],
      'n1.crt': [CERT_TEXT, 0o644],
      'n1.key': [`${KEY_TEXT}\n`, 0o600],
    });
    expect(r.err).toBeUndefined();
    const n1 = r.inv!.hosts.find((h) => h.name === 'n1');
    expect(n1?.tls).toEqual({ cert: path.join(r.sub, 'n1.crt'), key: path.join(r.sub, 'n1.key') });
    expect(r.inv!.tls.ca).toEqual({ cert: path.join(r.sub, 'ca.pem'), key: path.join(r.sub, 'ca.key') });
    expect(r.inv!.tls.renewDays).toBe(45);
    expect(r.inv!.hosts.find((h) => h.name === 'm1')?.tls).toBeUndefined();
    expect(r.inv!.cluster.sbNorthdPort).toBe(16642);
  });

  it('renewDays out of range and an unknown tls key are exit 5 with a position', async () => {
    const bad = await load(`tls:\n  enabled: true\n  renewDays: 0\n${HOSTS}`);
    expect((bad.err as InputError)?.exitCode).toBe(5);
    expect((bad.err as InputError).message).toMatch(/inventory\.yaml:3:\d+: .*renewDays/);
    const typo = await load(`tls:\n  enable: true\n${HOSTS}`);
    expect((typo.err as InputError)?.exitCode).toBe(5);
  });
});

describe('tls.enabled false: the files are checked all the same (-e tls.enabled=true may turn TLS on)', () => {
  it('a loose host key is refused, naming the file', async () => {
    const text = `tls:\n  enabled: false\n${HOSTS}${N1_TLS}`;
    const r = await load(text, { 'n1.crt': ['cert', 0o644], 'n1.key': [KEY_TEXT, 0o644] });
    expect((r.err as InputError)?.exitCode).toBe(5);
    expect((r.err as InputError)?.message).toMatch(/n1\.key is readable by others \(mode 0644\)/);
  });
  it('a private host key is read as a secret: masked even while TLS is off', async () => {
    const text = `tls:\n  enabled: false\n${HOSTS}${N1_TLS}`;
    const r = await load(text, { 'n1.crt': ['cert', 0o644], 'n1.key': [KEY_TEXT, 0o600] });
    expect(r.err).toBeUndefined();
    expect(r.inv!.tls.enabled).toBe(false);
    expect(r.inv!.secrets.mask(KEY_TEXT)).not.toContain(KEY_TEXT);
  });
});

describe('--convert rebases the tls paths', () => {
  it('hosts.<n>.tls, tls.ca and tls.caDir relative to the new directory', () => {
    const native = {
      tls: { enabled: true, caDir: './pki', ca: { cert: './ca.pem', key: './keys/ca.key' } },
      hosts: {
        n1: { address: '10.0.0.11', roles: ['node'], tls: { cert: './n1.crt', key: '/abs/n1.key' } },
      },
    };
    const out = toNativeYaml(native, { from: '/work/inv/inventory.yaml', format: 'native', toDir: '/work/inv/out' });
    expect(out).toContain('caDir: ../pki');
    expect(out).toContain('cert: ../ca.pem');
    expect(out).toContain('key: ../keys/ca.key');
    expect(out).toContain('cert: ../n1.crt');
    expect(out).toContain('key: /abs/n1.key');
  });
  it('without a caDir, the default pki/ beside the source is named explicitly', () => {
    const out = toNativeYaml(
      { hosts: { m1: { address: '10.0.0.10', roles: ['master'] } } },
      { from: '/work/inv/inventory.yaml', format: 'native', toDir: '/work/inv/out' },
    );
    expect(out).toMatch(/^tls:\n {2}caDir: \.\.\/pki$/m);
  });
});

describe('-e on tls settings', () => {
  it('-e tls.enabled=true turns TLS on for the run; -e tls.caDir is relative to where the user is', () => {
    const inv = guideInventory();
    const on = applySettingOverrides(inv, { 'tls.enabled': true, 'tls.caDir': 'my-pki', 'tls.renewDays': 60 });
    expect(on.tls).toEqual({ enabled: true, caDir: path.resolve('my-pki'), renewDays: 60 });
    expect(() => applySettingOverrides(inv, { 'tls.renewDays': 0 })).toThrow(/-e tls.renewDays: must be from 1/);
  });
});
