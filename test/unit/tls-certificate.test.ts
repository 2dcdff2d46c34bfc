// tls_certificate: ovnctl signs the host's request with its CA (on this machine) and uploads the
// certificate and the CA certificate; a valid certificate stays, one that expires within renewDays, of
// another CA or for another key is reissued; --diff shows certificates, never a key.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskFailure } from '../../src/errors.js';
import type { Fact } from '../../src/facts/fact.js';
import type { HostTls } from '../../src/facts/tls.js';
import type { Host, Inventory } from '../../src/inventory/types.js';
import type { ModuleContext, Plan } from '../../src/operations/module.js';
import { tlsCertificate } from '../../src/operations/tls.js';
import { type Ca, loadOrCreateCa } from '../../src/pki/index.js';
import { spkiSha256 } from '../../src/pki/check.js';
import { parseRequest, spki } from '../../src/pki/inspect.js';
import { guideInventory } from '../helpers/inventory.js';

/** The sha256 of a request's public key: what the hostTls fact reports for the host's key. */
const publicSha = (r: string | null) => (r === null ? '' : spkiSha256(spki(parseRequest(r, 'test'))));

const CERT = '/etc/ovn/ovnctl-cert.pem';
const CACERT = '/etc/ovn/ovnctl-cacert.pem';
const KEY = '/etc/ovn/ovnctl-privkey.pem';

let tmp: string;
let ca: Ca;
let otherCa: Ca;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ovnctl-tls-cert-'));
  ca = await loadOrCreateCa(join(tmp, 'pki'));
  otherCa = await loadOrCreateCa(join(tmp, 'stray-pki'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let serial = 0;
/** A key and a request for `cn`, made as a host makes them (EC P-256). */
function keyAndRequest(cn: string): { key: string; req: string } {
  const base = join(tmp, `h${serial++}`);
  execFileSync(
    'openssl',
    [
      ...['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-subj', `/CN=${cn}`, '-keyout', `${base}.key`, '-out', `${base}.req`],
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(`${base}.key`, 'utf8'), req: readFileSync(`${base}.req`, 'utf8') };
}

const tlsInv = (renewDays = 30): Inventory =>
  guideInventory({ tls: { enabled: true, caDir: join(tmp, 'pki'), renewDays } });

/** What the hostTls fact saw: a key, this request, and the certificate and CA given. */
const seen = (req: string | null, cert: string | null, caPem: string | null): HostTls => ({
  keyExists: true,
  keyPublicSha256: publicSha(req),
  reqPublicSha256: publicSha(req),
  reqSubject: 'CN=n1',
  req,
  cert,
  ca: caPem,
});

/** planWith cannot pass a CA: the module's plan with a context that has one. */
async function planCert(
  t: HostTls,
  o: { inv?: Inventory; host?: Host; withCa?: Ca | null; assets?: Record<string, string> } = {},
): Promise<Plan> {
  const inv = o.inv ?? tlsInv();
  const host = o.host ?? inv.hosts[1];
  const provider = o.withCa === null ? undefined : async () => o.withCa ?? ca;
  const ctx: ModuleContext = {
    host,
    inventory: inv,
    readAsset: async (s) => {
      const v = o.assets?.[s];
      if (v === undefined) throw new Error(`unexpected asset ${s}`);
      return Buffer.from(v);
    },
    ...(provider ? { ca: provider } : {}),
  };
  const args = tlsCertificate.args.parse({});
  const declared = tlsCertificate.facts(args, ctx).map((f) => f.key);
  const reader = <T>(f: Fact<T>): T => {
    if (!declared.includes(f.key) || f.key !== 'tls.host') throw new Error(`undeclared fact ${f.key}`);
    return t as T;
  };
  return tlsCertificate.plan(args, reader, ctx);
}

const uploadTo = (p: Plan, dest: string) =>
  p.commands.find((c) => c.script.endsWith(`mv -f ${dest}.ovnctl-tmp ${dest}`));
/** Everything of a plan a user may see: messages, --diff, the commands as shown. */
const shown = (p: Plan) => [
  p.msg ?? '',
  p.diff?.before ?? '',
  p.diff?.after ?? '',
  ...p.commands.map((c) => c.display),
];

describe('tls_certificate', () => {
  it("no certificate: signs the request for CN=<host>, uploads it and the CA's, touches the key", async () => {
    const { req } = keyAndRequest('n1');
    const p = await planCert(seen(req, null, null));
    const cert = uploadTo(p, CERT);
    expect(cert).toBeDefined();
    expect(cert!.script).toContain(`chmod 0644 ${CERT}.ovnctl-tmp`);
    const x = new X509Certificate(cert!.stdin!);
    const caX = new X509Certificate(ca.certPem);
    expect(x.subject).toBe('CN=n1');
    expect(x.checkIssued(caX)).toBe(true);
    expect(x.verify(caX.publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    // For the key of the request.
    const reqPub = execFileSync('openssl', ['req', '-noout', '-pubkey'], { input: req, encoding: 'utf8' });
    expect(x.publicKey.export({ type: 'spki', format: 'pem' })).toBe(reqPub);
    // The CA certificate the host trusts.
    expect(uploadTo(p, CACERT)?.stdin?.toString('utf8')).toBe(ca.certPem);
    expect(p.commands.at(-1)?.script).toBe(`touch ${KEY}`);
    expect(p.commands).toHaveLength(3);
    expect(p.msg).toContain('CN=n1');
    expect(p.diff?.before).toBe('(no certificate)');
    expect(p.diff?.after).toMatch(/^CN=n1, valid until \d{4}-\d\d-\d\d$/);
  });

  it('a valid certificate of the CA and the CA file there: no change, days left in the message', async () => {
    const { req } = keyAndRequest('n1');
    const cert = await ca.sign(req, { cn: 'n1', days: 365 });
    const p = await planCert(seen(req, cert, ca.certPem));
    expect(p.commands).toEqual([]);
    const days = Number(/CN=n1, (\d+) days left/.exec(p.msg ?? '')?.[1]);
    expect(days).toBeGreaterThanOrEqual(363);
    expect(days).toBeLessThanOrEqual(365);
  });

  it('a valid certificate, the CA file missing: only the CA certificate is uploaded, the key touched', async () => {
    const { req } = keyAndRequest('n1');
    const cert = await ca.sign(req, { cn: 'n1' });
    const p = await planCert(seen(req, cert, null));
    expect(uploadTo(p, CERT)).toBeUndefined();
    expect(uploadTo(p, CACERT)?.stdin?.toString('utf8')).toBe(ca.certPem);
    expect(p.commands.at(-1)?.script).toBe(`touch ${KEY}`);
  });

  it('a certificate that expires in 10 days with renewDays 30 is reissued, the reason in the message', async () => {
    const { req } = keyAndRequest('n1');
    const old = await ca.sign(req, { cn: 'n1', days: 10 });
    const p = await planCert(seen(req, old, ca.certPem), { inv: tlsInv(30) });
    const cert = uploadTo(p, CERT);
    expect(cert).toBeDefined();
    expect(cert!.stdin!.toString('utf8')).not.toBe(old);
    const x = new X509Certificate(cert!.stdin!);
    expect(new Date(x.validTo).getTime() - Date.now()).toBeGreaterThan(300 * 86_400_000);
    expect(p.msg).toMatch(/expires in (9|10) days/);
    expect(uploadTo(p, CACERT)).toBeUndefined();
    expect(p.commands.at(-1)?.script).toBe(`touch ${KEY}`);
  });

  it('the same certificate is kept with renewDays 5', async () => {
    const { req } = keyAndRequest('n1');
    const cert = await ca.sign(req, { cn: 'n1', days: 10 });
    const p = await planCert(seen(req, cert, ca.certPem), { inv: tlsInv(5) });
    expect(p.commands).toEqual([]);
  });

  it('a certificate of another CA is reissued by this CA, and the CA file replaced', async () => {
    const { req } = keyAndRequest('n1');
    const stray = await otherCa.sign(req, { cn: 'n1' });
    const p = await planCert(seen(req, stray, otherCa.certPem));
    const x = new X509Certificate(uploadTo(p, CERT)!.stdin!);
    expect(x.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(p.msg).toContain('another CA');
    expect(uploadTo(p, CACERT)?.stdin?.toString('utf8')).toBe(ca.certPem);
  });

  it("a certificate for another key (the request was made again) is reissued for the request's key", async () => {
    const first = keyAndRequest('n1');
    const second = keyAndRequest('n1');
    const cert = await ca.sign(first.req, { cn: 'n1' });
    const p = await planCert(seen(second.req, cert, ca.certPem));
    const x = new X509Certificate(uploadTo(p, CERT)!.stdin!);
    const reqPub = execFileSync('openssl', ['req', '-noout', '-pubkey'], { input: second.req, encoding: 'utf8' });
    expect(x.publicKey.export({ type: 'spki', format: 'pem' })).toBe(reqPub);
    expect(p.msg).toMatch(/key/);
  });

  it('--diff and messages never show a private key', async () => {
    const { req, key } = keyAndRequest('n1');
    const stray = await otherCa.sign(req, { cn: 'n1' });
    const plans = [
      await planCert(seen(req, null, null)),
      await planCert(seen(req, stray, otherCa.certPem)),
      await planCert(seen(req, await ca.sign(req, { cn: 'n1', days: 3 }), ca.certPem)),
    ];
    for (const p of plans) {
      expect(p.diff).toBeDefined();
      for (const s of shown(p)) {
        expect(s).not.toContain('PRIVATE KEY');
        expect(s).not.toContain(key.split('\n')[1]);
      }
      for (const c of p.commands) expect(c.stdin?.toString('utf8') ?? '').not.toContain('PRIVATE KEY');
    }
    // The CA's key is never in what the plan sends to the host.
    const caKey = readFileSync(join(tmp, 'pki', 'private', 'cakey.pem'), 'utf8').split('\n')[1];
    for (const p of plans) for (const c of p.commands) expect(c.stdin?.toString('utf8') ?? '').not.toContain(caKey);
  });

  it('no request on the host: fails naming tls_key', async () => {
    await expect(planCert(seen(null, null, null))).rejects.toThrow(/tls_key/);
    await expect(planCert(seen(null, null, null))).rejects.toBeInstanceOf(TaskFailure);
  });

  it('no CA in the run (tls.enabled off): fails saying so', async () => {
    const { req } = keyAndRequest('n1');
    await expect(planCert(seen(req, null, null), { withCa: null })).rejects.toThrow(/tls\.enabled/);
  });

  it('hosts.<name>.tls: uploads the given certificate, refuses one of another CA', async () => {
    const own = keyAndRequest('n1');
    const given = await ca.sign(own.req, { cn: 'n1' });
    const inv = tlsInv();
    const host = { ...inv.hosts[1], tls: { cert: '/local/n1.crt', key: '/local/n1.key' } };
    const assets = { '/local/n1.crt': given, '/local/n1.key': own.key };
    const p = await planCert(seen(null, null, null), { inv, host, assets });
    expect(uploadTo(p, CERT)?.stdin?.toString('utf8')).toBe(given);
    for (const s of shown(p)) expect(s).not.toContain('PRIVATE KEY');
    const same = await planCert(seen(null, given, ca.certPem), { inv, host, assets });
    expect(same.commands).toEqual([]);
    const stray = await otherCa.sign(own.req, { cn: 'n1' });
    const bad = planCert(seen(null, null, null), { inv, host, assets: { ...assets, '/local/n1.crt': stray } });
    await expect(bad).rejects.toThrow(/\/local\/n1\.crt.*another CA/);
  });
});
