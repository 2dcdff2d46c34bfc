// verify_certificate (ovnctl verify): read-only; passes with the days left, fails under 7 days, when the
// host trusts another CA, or when there is no CA to check against - each with a message that says why.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskFailure } from '../../src/errors.js';
import type { Fact } from '../../src/facts/fact.js';
import type { HostTls } from '../../src/facts/tls.js';
import type { CaProvider, ModuleContext, Plan } from '../../src/operations/module.js';
import { verifyCertificate } from '../../src/operations/tls.js';
import { type Ca, loadOrCreateCa } from '../../src/pki/index.js';
import { spkiSha256 } from '../../src/pki/check.js';
import { parseRequest, spki } from '../../src/pki/inspect.js';
import { guideInventory } from '../helpers/inventory.js';

/** The sha256 of a request's public key: what the hostTls fact reports for the host's key. */
const publicSha = (r: string | null) => (r === null ? '' : spkiSha256(spki(parseRequest(r, 'test'))));

let tmp: string;
let ca: Ca;
let otherCa: Ca;
let req: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ovnctl-tls-verify-'));
  ca = await loadOrCreateCa(join(tmp, 'pki'));
  otherCa = await loadOrCreateCa(join(tmp, 'stray'));
  execFileSync(
    'openssl',
    [
      ...['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=n1'],
      ...['-keyout', join(tmp, 'n1.key'), '-out', join(tmp, 'n1.req')],
    ],
    { stdio: 'ignore' },
  );
  req = readFileSync(join(tmp, 'n1.req'), 'utf8');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const inv = () => guideInventory({ tls: { enabled: true, caDir: join(tmp, 'pki'), renewDays: 30 } });
const seen = (cert: string | null, caPem: string | null, request: string | null = req): HostTls => ({
  keyExists: true,
  keyPublicSha256: publicSha(request),
  reqPublicSha256: publicSha(request),
  reqSubject: 'CN=n1',
  req: request,
  cert,
  ca: caPem,
});

async function verify(t: HostTls, provider: CaProvider | 'none' = async () => ca): Promise<Plan> {
  const i = inv();
  const ctx: ModuleContext = {
    host: i.hosts[1],
    inventory: i,
    readAsset: async (s) => {
      throw new Error(`unexpected asset ${s}`);
    },
    ...(provider !== 'none' ? { ca: provider } : {}),
  };
  const args = verifyCertificate.args.parse({});
  const declared = verifyCertificate.facts(args, ctx).map((f) => f.key);
  const reader = <T>(f: Fact<T>): T => {
    if (!declared.includes(f.key)) throw new Error(`undeclared fact ${f.key}`);
    return t as T;
  };
  return verifyCertificate.plan(args, reader, ctx);
}

describe('verify_certificate', () => {
  it('a certificate of the CA for the host: ok, with the days left and the date', async () => {
    const cert = await ca.sign(req, { cn: 'n1', days: 90 });
    const p = await verify(seen(cert, ca.certPem));
    expect(p.commands).toEqual([]);
    expect(p.msg).toMatch(/^CN=n1, (89|90) days left \(until \d{4}-\d\d-\d\d\)$/);
  });

  it('never creates a CA: it asks the provider with create: false', async () => {
    const asked: unknown[] = [];
    const cert = await ca.sign(req, { cn: 'n1' });
    await verify(seen(cert, ca.certPem), async (o) => {
      asked.push(o);
      return ca;
    });
    expect(asked).toEqual([{ create: false }]);
  });

  it('fails under 7 days left, saying when and what to run', async () => {
    const cert = await ca.sign(req, { cn: 'n1', days: 5 });
    const err = await verify(seen(cert, ca.certPem)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailure);
    expect((err as Error).message).toMatch(/expires in [45] days .*ovnctl install/);
  });

  it('7 days left passes (the limit is "under 7")', async () => {
    const cert = await ca.sign(req, { cn: 'n1', days: 8 });
    const p = await verify(seen(cert, ca.certPem));
    expect(p.msg).toMatch(/ 7 days left/);
  });

  it("fails when the host's CA file is not the CA", async () => {
    const cert = await ca.sign(req, { cn: 'n1' });
    await expect(verify(seen(cert, otherCa.certPem))).rejects.toThrow(
      /\/etc\/ovn\/ovnctl-cacert\.pem is not the CA .*cacert\.pem/,
    );
    await expect(verify(seen(cert, null))).rejects.toThrow(/is not the CA/);
  });

  it('fails when the certificate is of another CA, even with the right CA file', async () => {
    const stray = await otherCa.sign(req, { cn: 'n1' });
    await expect(verify(seen(stray, ca.certPem))).rejects.toThrow(/another CA/);
  });

  it('fails without a certificate, naming the file and ovnctl install', async () => {
    await expect(verify(seen(null, ca.certPem))).rejects.toThrow(/no certificate at \/etc\/ovn\/ovnctl-cert\.pem/);
  });

  it('no CA (the provider gives null, or none in the run): fails with a clear message', async () => {
    const cert = await ca.sign(req, { cn: 'n1' });
    await expect(verify(seen(cert, ca.certPem), async () => null)).rejects.toThrow(/no CA to check the certificate/);
    await expect(verify(seen(cert, ca.certPem), 'none')).rejects.toThrow(/no CA to check the certificate/);
  });

  it('every failure says how to look closer', async () => {
    const err = (await verify(seen(null, ca.certPem)).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(
      'look closer: openssl x509 -noout -subject -issuer -enddate -in /etc/ovn/ovnctl-cert.pem',
    );
  });
});
