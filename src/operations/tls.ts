// TLS on a host: its key and certificate request made on the host (the key never leaves it), the
// certificate ovnctl signs with its CA on the machine it runs on (ctx.ca), the CA certificate the host
// trusts, and the SSL row of the local Open_vSwitch database that ovn-controller reads. A host with
// `hosts.<name>.tls` gets its own certificate and key uploaded instead. File paths: ovn/tls.ts.
import * as z from 'zod';
import { TaskFailure } from '../errors.js';
import { hostTls, ovsSsl } from '../facts/tls.js';
import { Resource } from '../facts/resources.js';
import type { Host } from '../inventory/types.js';
import { ctl } from '../ovn/dbctl.js';
import { TLS_FILES } from '../ovn/tls.js';
import { certificateInfo, checkCertificate, keyPublicSha256, samePem } from '../pki/check.js';
import type { Ca } from '../pki/index.js';
import { sh, type Command } from '../shell/command.js';
import { uploadCommand } from '../shell/upload.js';
import { defineModule, noChange, type ModuleContext, type Plan } from './module.js';
import { unhealthy } from './verify.js';

/** Validity of a certificate ovnctl issues. */
export const CERT_DAYS = 365;
/**
 * Host keys are ECDSA P-256: made in ~70 ms on a small host where RSA 2048 takes 200-380 ms, and OVS/OVN
 * accept them as servers, clients and RAFT peers (proven on the lab).
 */
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

const NoArgs = z.object({}).strict();

async function needCa(ctx: ModuleContext): Promise<Ca> {
  const ca = ctx.ca ? await ctx.ca() : null;
  if (!ca) throw new TaskFailure('tls_certificate needs tls.enabled in the inventory (no CA in this run)');
  return ca;
}

/** `-subj /CN=name`: a host name is letters, digits, dots, dashes (inventory/schema.ts), nothing to escape. */
const subject = (h: Host) => `/CN=${h.name}`;

export const tlsKey = defineModule({
  name: 'tls_key',
  args: NoArgs,
  facts: () => [hostTls],
  writes: () => [Resource.files],
  async plan(_args, facts, { host, readAsset }) {
    const t = facts(hostTls);
    const { key, req } = TLS_FILES;
    if (host.tls) {
      const pem = (await readAsset(host.tls.key)).toString('utf8');
      if (t.keyExists && t.keyPublicSha256 === keyPublicSha256(pem, `hosts.${host.name}.tls.key`))
        return noChange(`the key of ${host.tls.key} is there`);
      return {
        commands: [uploadCommand({ dest: key, content: Buffer.from(pem), mode: '0600', secret: true })],
        msg: `upload the private key ${host.tls.key}`,
      };
    }
    // The request is for this host's name and carries its key's public half.
    const reqOk = t.req !== null && t.reqSubject === `CN=${host.name}` && t.reqPublicSha256 === t.keyPublicSha256;
    if (t.keyExists && t.keyPublicSha256 !== '' && reqOk)
      return noChange(`key and certificate request for CN=${host.name} are there`);
    if (!t.keyExists || t.keyPublicSha256 === '') {
      // The key is written under umask 077 and renamed into place: never readable by others, never half there.
      return {
        commands: [
          sh`mkdir -p /etc/ovn && umask 077 && openssl req -new ${NEW_KEY} -nodes -subj ${subject(host)} \
-keyout ${`${key}.ovnctl-tmp`} -out ${req} 2>/dev/null && mv -f ${`${key}.ovnctl-tmp`} ${key}`,
        ],
        msg: t.keyExists
          ? 'replace the unreadable private key and make a certificate request'
          : `make a key and a certificate request for CN=${host.name} on the host`,
      };
    }
    return {
      commands: [sh`openssl req -new -key ${key} -subj ${subject(host)} -out ${req} 2>/dev/null`],
      msg: `make a certificate request for CN=${host.name} from the host's key`,
    };
  },
});

export const tlsCertificate = defineModule({
  name: 'tls_certificate',
  args: NoArgs,
  facts: () => [hostTls],
  writes: () => [Resource.files],
  async plan(_args, facts, ctx) {
    const { host, inventory } = ctx;
    const t = facts(hostTls);
    const ca = await needCa(ctx);
    const commands: Command[] = [];
    const notes: string[] = [];
    let before = describeCert(t.cert);
    let after = before;
    const opts = { cn: host.name, renewDays: inventory.tls.renewDays };
    if (host.tls) {
      const pem = (await ctx.readAsset(host.tls.cert)).toString('utf8');
      const keyPem = (await ctx.readAsset(host.tls.key)).toString('utf8');
      const publicKeySha256 = keyPublicSha256(keyPem, `hosts.${host.name}.tls.key`);
      const st = checkCertificate(ca.certPem, pem, { ...opts, publicKeySha256 });
      if (!st.ok) throw new TaskFailure(`${host.name}'s certificate ${host.tls.cert}: ${st.reason}`);
      if (t.cert === null || !samePem(t.cert, pem)) {
        commands.push(uploadCommand({ dest: TLS_FILES.cert, content: Buffer.from(pem), mode: '0644' }));
        notes.push(`upload the certificate ${host.tls.cert}`);
        after = describeCert(pem);
      }
    } else {
      if (t.req === null) throw new TaskFailure(`no certificate request at ${TLS_FILES.req} (tls_key makes it)`);
      const st = checkCertificate(ca.certPem, t.cert, { ...opts, publicKeySha256: t.keyPublicSha256 });
      if (!st.ok) {
        const cert = await ca.sign(t.req, { cn: host.name, days: CERT_DAYS });
        commands.push(uploadCommand({ dest: TLS_FILES.cert, content: Buffer.from(cert), mode: '0644' }));
        notes.push(`issue a certificate for CN=${host.name} (${st.reason})`);
        after = describeCert(cert);
      } else before = after = `CN=${host.name}, ${st.daysLeft} days left`;
    }
    if (!samePem(t.ca, ca.certPem)) {
      commands.push(uploadCommand({ dest: TLS_FILES.ca, content: Buffer.from(ca.certPem), mode: '0644' }));
      notes.push(`trust the CA ${ca.certFile}`);
    }
    if (commands.length === 0) return noChange(before);
    // The daemons reread their files when the key's mtime changes, not the certificate's (OVS 3.1's
    // stream-ssl, ovs-issues #365): touching the key makes ovsdb-server, ovn-northd and ovn-controller
    // use the new files for their next connections, with no restart.
    commands.push(sh`touch ${TLS_FILES.key}`);
    return { commands, msg: notes.join('; '), diff: { before, after } };
  },
});

function describeCert(pem: string | null): string {
  if (pem === null) return '(no certificate)';
  const c = certificateInfo(pem);
  return c ? `CN=${c.cn ?? '?'}, valid until ${c.notAfter.toISOString().slice(0, 10)}` : '(not a certificate)';
}

/** The SSL row of Open_vSwitch: ovn-controller's key, certificate and CA for its ssl: remote. */
export const ovsSslModule = defineModule({
  name: 'ovs_ssl',
  args: z.object({ state: z.enum(['present', 'absent']).default('present') }).strict(),
  facts: () => [ovsSsl],
  writes: () => [Resource.localOvsdb],
  plan({ state }, facts): Plan {
    const cur = facts(ovsSsl);
    const ours =
      cur !== null &&
      cur.privateKey === TLS_FILES.key &&
      cur.certificate === TLS_FILES.cert &&
      cur.caCert === TLS_FILES.ca;
    if (state === 'present') {
      if (ours) return noChange(`SSL uses ${TLS_FILES.cert}`);
      return {
        commands: [ctl('vswitch', ['set-ssl', TLS_FILES.key, TLS_FILES.cert, TLS_FILES.ca])],
        msg: `SSL: ${TLS_FILES.cert}`,
      };
    }
    // Only ovnctl's own SSL row goes: one a user set for something else stays.
    if (!ours) return noChange('no SSL of ovnctl');
    return { commands: [ctl('vswitch', ['del-ssl'])], msg: 'remove the SSL row' };
  },
});

/** Fewer days left than this and `verify` fails: the next install (renewDays) would have reissued it. */
export const VERIFY_MIN_DAYS = 7;

/** verify: the host's certificate is the CA's, for its name, and not about to expire. Read-only. */
export const verifyCertificate = defineModule({
  name: 'verify_certificate',
  args: NoArgs,
  facts: () => [hostTls],
  async plan(_args, facts, { host, ca: provider, readAsset }) {
    const t = facts(hostTls);
    const look = `openssl x509 -noout -subject -issuer -enddate -in ${TLS_FILES.cert}`;
    const ca = provider ? await provider({ create: false }) : null;
    if (!ca) throw unhealthy('no CA to check the certificate against: tls.enabled is off or no install made one', look);
    if (t.cert === null) throw unhealthy(`no certificate at ${TLS_FILES.cert} (ovnctl install issues it)`, look);
    if (!samePem(t.ca, ca.certPem))
      throw unhealthy(`${TLS_FILES.ca} is not the CA ${ca.certFile}`, `cat ${TLS_FILES.ca}`);
    const publicKeySha256 = host.tls
      ? keyPublicSha256((await readAsset(host.tls.key)).toString('utf8'), `hosts.${host.name}.tls.key`)
      : t.keyPublicSha256;
    const st = checkCertificate(ca.certPem, t.cert, { cn: host.name, renewDays: 0, publicKeySha256 });
    if (!st.ok) throw unhealthy(`the certificate ${TLS_FILES.cert}: ${st.reason}`, look);
    const until = st.notAfter.toISOString().slice(0, 10);
    if (st.daysLeft < VERIFY_MIN_DAYS)
      throw unhealthy(`the certificate expires in ${st.daysLeft} days (${until}): run ovnctl install`, look);
    return noChange(`CN=${host.name}, ${st.daysLeft} days left (until ${until})`);
  },
});

export const TLS_MODULES = [tlsKey, tlsCertificate, ovsSslModule, verifyCertificate];
