// The host's TLS files as one fact: whether its key exists and the sha256 of the key's public half (the
// key itself is never read back), its certificate request with the public half it carries, its
// certificate and the CA certificate it trusts (public PEM), and the SSL of its Open_vSwitch database.
// One inline command, so a rerun with TLS reads it in the same round trip as every other fact.
import { ctlText } from '../ovn/dbctl.js';
import { TLS_FILES } from '../ovn/tls.js';
import { quote } from '../shell/quote.js';
import { defineFact } from './fact.js';
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
/** sha256 of a public key read from stdin as PEM, in DER (what node:crypto's spki export gives). */
const PUB_SHA = 'openssl pkey -pubin -outform DER 2>/dev/null | sha256sum | cut -d" " -f1';

const section = (name: string, file: string) => `echo ${quote(`${MARK} ${name}`)}; cat ${quote(file)} 2>/dev/null`;

export const hostTls = defineFact(
  'tls.host',
  [
    `if [ -f ${K} ]; then echo key=1; echo "keypub=$(openssl pkey -in ${K} -pubout 2>/dev/null | ${PUB_SHA})"; ` +
      'else echo key=0; fi',
    `if [ -f ${R} ]; then echo "reqpub=$(openssl req -in ${R} -noout -pubkey 2>/dev/null | ${PUB_SHA})"; ` +
      `echo "reqsubject=$(openssl req -in ${R} -noout -subject -nameopt RFC2253 2>/dev/null)"; fi`,
    section('req', TLS_FILES.req),
    section('cert', TLS_FILES.cert),
    section('ca', TLS_FILES.ca),
    'true',
  ].join('; '),
  parseHostTls,
  { reads: [Resource.files], inline: true },
);

/** The sha256 of an empty input: what PUB_SHA prints when openssl could not read a key. */
const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function parseHostTls(out: string): HostTls {
  const [head, ...parts] = out.split(`${MARK} `);
  const kv = Object.fromEntries([...head.matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1], m[2].trim()]));
  const pem: Record<string, string | null> = { req: null, cert: null, ca: null };
  for (const p of parts) {
    const nl = p.indexOf('\n');
    const name = (nl < 0 ? p : p.slice(0, nl)).trim();
    const body = nl < 0 ? '' : p.slice(nl + 1);
    if (name in pem) pem[name] = body.includes('-----BEGIN') ? body : null;
  }
  const sha = (v: string | undefined) => (v && v !== EMPTY_SHA ? v : '');
  return {
    keyExists: kv.key === '1',
    keyPublicSha256: sha(kv.keypub),
    reqPublicSha256: sha(kv.reqpub),
    reqSubject: (kv.reqsubject ?? '').replace(/^subject=/, ''),
    req: pem.req,
    cert: pem.cert,
    ca: pem.ca,
  };
}

export interface OvsSsl {
  privateKey: string;
  certificate: string;
  caCert: string;
}

/** `ovs-vsctl get-ssl`: the SSL row of the local Open_vSwitch database (ovn-controller reads it); null = none. */
export const ovsSsl = defineFact(
  'ovs.ssl',
  ctlText('vswitch', ['get-ssl']),
  (out, rc): OvsSsl | null => {
    if (rc !== 0) return null;
    const get = (label: string) => new RegExp(`^${label}: (.*)$`, 'm').exec(out)?.[1]?.trim() ?? '';
    const ssl = { privateKey: get('Private key'), certificate: get('Certificate'), caCert: get('CA Certificate') };
    return ssl.privateKey || ssl.certificate || ssl.caCert ? ssl : null;
  },
  { reads: [Resource.localOvsdb], inline: true },
);
