// TLS on a host: where its key, certificate, the CA it trusts and its certificate request live, and how
// each OVN program is told about them. One key and one certificate per host (CN = the host's name, its
// OVN system-id) serve every role: NB/SB server, RAFT peer, ovn-northd, ovn-controller, ovnkube and the
// clients ovnctl runs. The key is made on the host and never leaves it.
import type { Inventory } from '../inventory/types.js';

export const TLS_FILES = {
  key: '/etc/ovn/ovnctl-privkey.pem',
  cert: '/etc/ovn/ovnctl-cert.pem',
  ca: '/etc/ovn/ovnctl-cacert.pem',
  req: '/etc/ovn/ovnctl-req.pem',
} as const;

export function tlsEnabled(inv: Inventory): boolean {
  return inv.tls.enabled;
}

/** Whether an OVSDB remote (list) goes over TLS, so its client needs the host's key and certificate. */
export function isTlsRemote(remote: string): boolean {
  return /(^|,)ssl:/.test(remote);
}

/** What ovn-nbctl, ovn-sbctl and ovsdb-client take to talk TLS. */
export const CLIENT_TLS_OPTIONS: readonly string[] = [
  `--private-key=${TLS_FILES.key}`,
  `--certificate=${TLS_FILES.cert}`,
  `--ca-cert=${TLS_FILES.ca}`,
];

/** ovn-ctl's options for the NB and SB servers' key, certificate and CA: files, so a joining server has them. */
export function serverTlsOptions(): string[] {
  return (['nb', 'sb'] as const).flatMap((db) => [
    `--ovn-${db}-db-ssl-key=${TLS_FILES.key}`,
    `--ovn-${db}-db-ssl-cert=${TLS_FILES.cert}`,
    `--ovn-${db}-db-ssl-ca-cert=${TLS_FILES.ca}`,
  ]);
}

/** ovn-ctl's options for ovn-northd's key, certificate and CA (its remotes are ssl: with 2+ masters). */
export function northdTlsOptions(): string[] {
  return [
    `--ovn-northd-ssl-key=${TLS_FILES.key}`,
    `--ovn-northd-ssl-cert=${TLS_FILES.cert}`,
    `--ovn-northd-ssl-ca-cert=${TLS_FILES.ca}`,
  ];
}

/** ovnkube's certificate flags (the guide's ovnkube has exactly these), for NB and SB. */
export function ovnkubeTlsFlags(): string[] {
  return (['nb', 'sb'] as const).flatMap((db) => [
    `-${db}-client-privkey=${TLS_FILES.key}`,
    `-${db}-client-cert=${TLS_FILES.cert}`,
    `-${db}-client-cacert=${TLS_FILES.ca}`,
  ]);
}
