// The validated raw inventory → the typed model: per-host settings merged, paths resolved, groups made.
import { isIP } from 'node:net';
import { SecretRegistry, type Secret } from '../shell/secret.js';
import type { CertFiles, Host, HostFile, Inventory, PackageSource, Role, SshSettings } from './types.js';
import { IMPLICIT_GROUPS } from './checks.js';
import { resolveLocalPath, type PathContext } from './local-files.js';
import type { RawHost, RawInventory, RawSsh } from './schema.js';

export interface BuildContext extends PathContext {
  file: string;
  /** Host and group names in file order (a JS object puts integer-like keys first). */
  hostOrder: readonly string[];
  groupOrder: readonly string[];
  token?: Secret;
  /** Key passphrases read from the ssh.passphraseEnv variables, with the variable's name. */
  passphrases?: readonly (readonly [Secret, string])[];
  /** The private keys of hosts.<name>.tls. */
  tlsKeys?: readonly (readonly [Secret, string])[];
  /** A local kubeconfig's content and the credentials in it. */
  kubeconfig?: readonly (readonly [Secret, string])[];
}

export function buildInventory(raw: RawInventory, ctx: BuildContext): Inventory {
  const groups = buildGroups(raw, ctx);
  const members = Object.entries(groups).map(([g, names]) => [g, new Set(names)] as const);
  const hosts: Host[] = ctx.hostOrder.map((name) => {
    const h = raw.hosts[name];
    return {
      name,
      address: h.address,
      roles: [...new Set(h.roles)] as Role[],
      ...encapOf(h),
      ssh: sshSettings(raw.ssh, h, ctx),
      become: h.become ?? raw.become,
      groups: members.filter(([, names]) => names.has(name)).map(([g]) => g),
      ...(h.tls ? { tls: certFiles(h.tls, ctx) } : {}),
    };
  });
  const firstMaster = hosts.find((h) => h.roles.includes('master'))!;
  const { k8sToken: _ref, k8sApiserver, bootstrapMaster, k8sKubeconfig, k8sCacert, ...cluster } = raw.cluster;
  // checkInventory has made sure both name masters.
  const bootstrap = bootstrapMaster ?? firstMaster.name;
  return {
    file: ctx.file,
    hosts,
    groups,
    cluster: {
      ...cluster,
      k8sApiserver: k8sApiserver ?? `http://${urlHost(firstMaster.address)}:8080`,
      k8sKubeconfig: hostFile(k8sKubeconfig, ctx),
      ...(k8sCacert !== undefined ? { k8sCacert: hostFile(k8sCacert, ctx) } : {}),
      bootstrapMaster: bootstrap,
      ...(ctx.token ? { k8sToken: ctx.token } : {}),
    },
    packages: {
      source: packageSource(raw.packages.source, ctx),
      datapath: raw.packages.datapath,
      ovsPython: raw.packages.ovsPython,
      lockTimeout: raw.packages.lockTimeout,
    },
    ovs: { ...raw.ovs },
    ovnkube: {
      ...raw.ovnkube,
      master: raw.ovnkube.master ?? bootstrap,
      ...(raw.ovnkube.upload !== undefined ? { upload: resolveLocalPath(raw.ovnkube.upload, ctx) } : {}),
      ...(raw.ovnkube.cniPlugin ? { cniPlugin: { upload: resolveLocalPath(raw.ovnkube.cniPlugin.upload, ctx) } } : {}),
      ...(raw.ovnkube.gateway ? { gateway: { ...raw.ovnkube.gateway } } : {}),
    },
    tls: {
      enabled: raw.tls.enabled,
      caDir: resolveLocalPath(raw.tls.caDir, ctx),
      renewDays: raw.tls.renewDays,
      ...(raw.tls.ca ? { ca: certFiles(raw.tls.ca, ctx) } : {}),
    },
    extra: { greMesh: raw.greMesh },
    secrets: new SecretRegistry([
      ...(ctx.token ? [[ctx.token, 'cluster.k8sToken'] as const] : []),
      ...(ctx.passphrases ?? []),
      ...(ctx.tlsKeys ?? []),
      ...(ctx.kubeconfig ?? []),
    ]),
  };
}

/** A host's ssh: overrides the top-level one key by key. */
function sshSettings(top: RawSsh, host: RawHost, ctx: PathContext): SshSettings {
  const s = { ...top, ...host.ssh };
  return {
    user: s.user,
    port: s.port,
    ...(s.privateKey !== undefined ? { privateKey: resolveLocalPath(s.privateKey, ctx) } : {}),
    ...(s.passphraseEnv !== undefined ? { passphraseEnv: s.passphraseEnv } : {}),
    knownHosts: resolveLocalPath(s.knownHosts, ctx),
    hostKeyChecking: s.hostKeyChecking,
    connectTimeoutMs: Math.round(s.connectTimeout * 1000),
    commandTimeoutMs: Math.round(s.commandTimeout * 1000),
    keepaliveTimeoutMs: Math.round(s.keepaliveTimeout * 1000),
  };
}

/** all, masters, nodes, then the user's groups; members in inventory order. */
function buildGroups(raw: RawInventory, ctx: BuildContext): Record<string, string[]> {
  const order = ctx.hostOrder;
  const withRole = (role: Role): string[] => order.filter((n) => raw.hosts[n].roles.includes(role));
  const groups: Record<string, string[]> = { all: [...order], masters: withRole('master'), nodes: withRole('node') };
  for (const name of ctx.groupOrder) {
    if ((IMPLICIT_GROUPS as readonly string[]).includes(name)) continue; // rejected by checkInventory
    const set = new Set(raw.groups[name]);
    groups[name] = order.filter((n) => set.has(n));
  }
  return groups;
}

function packageSource(src: RawInventory['packages']['source'], ctx: PathContext): PackageSource {
  if (src === 'wand' || src === 'distro') return { kind: src };
  const key = /^https?:\/\//i.test(src.key) ? src.key : resolveLocalPath(src.key, ctx);
  return {
    kind: 'custom',
    url: src.url,
    key,
    ...(src.suite !== undefined ? { suite: src.suite } : {}),
    components: [...src.components],
  };
}

/** A path on the hosts stays as it is; a local file's path is resolved. */
function hostFile(f: HostFile, ctx: PathContext): HostFile {
  return typeof f === 'string' ? f : { file: resolveLocalPath(f.file, ctx) };
}

function certFiles(pair: CertFiles, ctx: PathContext): CertFiles {
  return { cert: resolveLocalPath(pair.cert, ctx), key: resolveLocalPath(pair.key, ctx) };
}

/** encapIp, else the address when it is an IP; a DNS-named host's is read on the host later. */
function encapOf(h: RawHost): Pick<Host, 'encapIp' | 'encapFromHost'> {
  if (h.encapIp !== undefined) return { encapIp: h.encapIp };
  return isIP(h.address) ? { encapIp: h.address } : { encapIp: '', encapFromHost: true };
}

function urlHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
