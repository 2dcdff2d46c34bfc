// The host's TLS files as one fact: whether its key exists and the sha256 of the key's public half (the
// key itself is never read back), its certificate request with the public half it carries, its
// certificate and the CA certificate it trusts (public PEM), and the SSL of its Open_vSwitch database.
// One inline command, so a rerun with TLS reads it in the same round trip as every other fact.
import { TLS_FILES } from '../ovn/tls.js';
import { keyPublicSha256 } from '../pki/check.js';
import { quote } from '../shell/quote.js';
import { defineBatchFact, defineFact } from './fact.js';
import { localRecord, localRecordParts } from './ovs.js';
import { Resource } from './resources.js';

export interface HostTls {
  keyExists: boolean;
  /** sha256 (hex) of the DER public key of the host's private key; '' without a key. */
  keyPublicSha256: string;
  /** sha256 (hex) of the DER public key in the certificate request; '' without one. */
  reqPublicSha256: string;
  /** The request's subject as openssl prints it in RFC 2253 (`CN=n1`); '' without a readable request. */
  reqSubject: string;
  req: string | null;
  cert: string | null;
  ca: string | null;
}

const MARK = '--- ovnctl-tls';
const K = quote(TLS_FILES.key);
const R = quote(TLS_FILES.req);

const section = (name: string, file: string) => `echo ${quote(`${MARK} ${name}`)}; cat ${quote(file)} 2>/dev/null`;

/**
 * Two openssl processes a host, however many files: the key's public half, and the request's subject
 * with its public key; the hashes are computed here. openssl's start-up is most of a TLS rerun's cost.
 */
export const hostTls = defineFact(
  'tls.host',
  [
    `if [ -f ${K} ]; then echo key=1; echo ${quote(`${MARK} keypub`)}; openssl pkey -in ${K} -pubout 2>/dev/null; ` +
      'else echo key=0; fi',
    `if [ -f ${R} ]; then echo ${quote(`${MARK} reqinfo`)}; ` +
      `openssl req -in ${R} -noout -subject -nameopt RFC2253 -pubkey 2>/dev/null; fi`,
    section('req', TLS_FILES.req),
    section('cert', TLS_FILES.cert),
    section('ca', TLS_FILES.ca),
    'true',
  ].join('; '),
  parseHostTls,
  { reads: [Resource.files], inline: true },
);

/** sha256 (hex) of the DER form of a PEM public key; '' when there is none or it does not parse. */
function publicSha(text: string | undefined): string {
  const pem = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/.exec(text ?? '')?.[0];
  if (!pem) return '';
  try {
    return keyPublicSha256(pem, 'a public key');
  } catch {
    return '';
  }
}

export function parseHostTls(out: string): HostTls {
  const [head, ...parts] = out.split(`${MARK} `);
  const kv = Object.fromEntries([...head.matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1], m[2].trim()]));
  const text: Record<string, string> = {};
  for (const p of parts) {
    const nl = p.indexOf('\n');
    text[(nl < 0 ? p : p.slice(0, nl)).trim()] = nl < 0 ? '' : p.slice(nl + 1);
  }
  const pem = (name: string) => (text[name]?.includes('-----BEGIN') ? text[name] : null);
  return {
    keyExists: kv.key === '1',
    keyPublicSha256: publicSha(text.keypub),
    reqPublicSha256: publicSha(text.reqinfo),
    reqSubject: /^subject=(.*)$/m.exec(text.reqinfo ?? '')?.[1]?.trim() ?? '',
    req: pem('req'),
    cert: pem('cert'),
    ca: pem('ca'),
  };
}

export interface OvsSsl {
  privateKey: string;
  certificate: string;
  caCert: string;
}

/**
 * `ovs-vsctl get-ssl`: the SSL row of the local Open_vSwitch database (ovn-controller reads it); null =
 * none. Read with the record's external_ids (facts/ovs.ts localRecord).
 */
export const ovsSsl = defineBatchFact('ovs.ssl', localRecord, ['ssl'], (out, rc): OvsSsl | null => {
  const lines = localRecordParts(out, rc)?.ssl;
  if (!lines) return null;
  const get = (label: string) =>
    lines
      .find((l) => l.startsWith(`${label}: `))
      ?.slice(label.length + 2)
      .trim() ?? '';
  const ssl = { privateKey: get('Private key'), certificate: get('Certificate'), caCert: get('CA Certificate') };
  return ssl.privateKey || ssl.certificate || ssl.caCert ? ssl : null;
});
