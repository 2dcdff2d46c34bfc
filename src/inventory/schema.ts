// The inventory file as users write it (SPEC "Inventory"): strict objects, so a typo is an error and
// not a silently ignored key, and the SPEC's defaults. No transforms: the schema stays expressible as
// JSON Schema; load.ts turns the parsed value into the typed Inventory.
import * as z from 'zod';
import { cidrContains, cidrsOverlap, formatCidr, networkOf, parseIpv4Cidr, type Ipv4Cidr } from '../util/ipv4.js';

const Port = z
  .int({ error: 'must be a port number (an integer from 1 to 65535)' })
  .min(1, { error: 'must be a port number from 1 to 65535' })
  .max(65535, { error: 'must be a port number from 1 to 65535' });

const IpAddress = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' });
/**
 * A DNS name ssh resolves (RFC 1123 labels). The last label is not all digits, so a mistyped IPv4
 * address (10.0.0.300) is not taken for a name; nothing starts with "-", so no name reads as an option.
 */
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const DnsName = z
  .string()
  .max(253)
  .regex(new RegExp(`^(?:${LABEL}\\.)*(?=[A-Za-z0-9-]*[A-Za-z-])${LABEL}$`));
/** Where ssh connects: an IP address or a DNS name (a master's must be an IP: inventory/checks.ts). */
const HostAddress = z.union([z.ipv4(), z.ipv6(), DnsName], { error: 'must be an IPv4 or IPv6 address or a DNS name' });
const Cidr = z.union([z.cidrv4(), z.cidrv6()], {
  error: 'must be a CIDR block such as 10.96.0.0/12 (IPv4) or fd00::/64 (IPv6)',
});
/**
 * URLs end up in ovnkube's argv and in apt's sources.list (one line of space-separated words): no
 * whitespace, quotes or shell characters. (zod's URL check alone lets `http://x/ a` and `$(...)` pass.)
 */
const HttpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL', abort: true })
  .regex(/^[^\s'"`$;&|<>\\(){}]*$/, {
    error: 'must be a URL without spaces, quotes or shell characters (\' " ` $ ; & | < > \\ ( ) { })',
  });
const Bool = z.boolean({ error: 'must be true or false' });

/** A path on this machine; relative to the inventory's directory, `~` is the home directory. */
const LocalPath = z
  .string({ error: 'must be a path' })
  .regex(/^[^\0\n]+$/, { error: 'must be a non-empty path on one line' });
/**
 * A path on the hosts: absolute, since there is no sensible directory to resolve it against, and of
 * plain characters only - it reaches shell commands and ovnkube's argv (quoted, but a path with
 * spaces or `$(...)` in it is a mistake or an attack, and is refused before any host is contacted).
 */
const RemotePath = z
  .string({ error: 'must be a path' })
  .regex(/^\//, { error: 'must be an absolute path (starting with /)', abort: true })
  .regex(/^\/[A-Za-z0-9_@%+=:,./-]*$/, {
    error: 'must be a path of letters, digits and _ @ % + = : , . / - only (no spaces or shell characters)',
  });
/** A program on the hosts: also matched against /proc/PID/cmdline, so the plainest characters only. */
const RemoteProgram = z
  .string({ error: 'must be a path' })
  .regex(/^\//, { error: 'must be an absolute path (starting with /)', abort: true })
  .regex(/^\/[A-Za-z0-9_./-]+$/, {
    error: 'must be a path of letters, digits and _ . / - only (no spaces or shell characters)',
  });
const EnvName = z
  .string({ error: 'must be an environment variable name' })
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name (letters, digits, _)' });
/** An apt suite or component: one word in a sources.list line. */
const AptWord = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/+-]*$/, { error: 'must be one word (letters, digits, ._/+-)' });
/** Linux interface names are at most 15 bytes. */
const IfName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, { error: 'must be an interface name (at most 15 of a-z, 0-9, _ . -)' });

/** A host's name is its Kubernetes node name: a lowercase DNS subdomain. It must also survive --limit. */
export const HostName = z
  .string()
  .max(253, { error: 'must be at most 253 characters' })
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, {
    error: 'must be a Kubernetes node name: lowercase letters, digits, "-" and ".", starting and ending alphanumeric',
  });
/**
 * Group names avoid the --limit pattern characters (, : ! & * ? [) and start with a letter, since a
 * JS object (Inventory.groups) would move integer-like keys to the front.
 */
export const GroupName = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, {
  error: 'must be a group name: letters, digits, "_", "-" and ".", starting with a letter',
});

const sshFields = {
  user: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/, { error: 'must be a user name' }),
  port: Port,
  privateKey: LocalPath.describe('Private key file; without it, the ssh-agent at SSH_AUTH_SOCK'),
  passphraseEnv: EnvName.describe("Environment variable holding the private key's passphrase"),
  knownHosts: LocalPath,
  hostKeyChecking: z.enum(['strict', 'accept-new', 'off']),
  connectTimeout: z.number({ error: 'must be a number of seconds' }).positive().max(3600).describe('Seconds'),
  commandTimeout: z.number({ error: 'must be a number of seconds' }).min(0).describe('Seconds; 0 = none'),
  keepaliveTimeout: z
    .number({ error: 'must be a number of seconds' })
    .min(0)
    .max(3600)
    .refine((v) => v === 0 || v >= 10, { error: 'must be 0 (no keepalives) or at least 10 seconds' })
    .describe('Seconds a silent connection is kept before its host is lost; 0 = no keepalives'),
};

const Ssh = z
  .strictObject({
    user: sshFields.user.default('root'),
    port: sshFields.port.default(22),
    privateKey: sshFields.privateKey.optional(),
    passphraseEnv: sshFields.passphraseEnv.optional(),
    knownHosts: sshFields.knownHosts.default('~/.ssh/known_hosts'),
    hostKeyChecking: sshFields.hostKeyChecking.default('strict'),
    connectTimeout: sshFields.connectTimeout.default(10),
    commandTimeout: sshFields.commandTimeout.default(0),
    keepaliveTimeout: sshFields.keepaliveTimeout.default(30),
  })
  .describe('SSH defaults for every host');

/** A host's own ssh: overrides the top-level one key by key, so nothing here has a default. */
const SshOverride = z.strictObject({
  user: sshFields.user.optional(),
  port: sshFields.port.optional(),
  privateKey: sshFields.privateKey.optional(),
  passphraseEnv: sshFields.passphraseEnv.optional(),
  knownHosts: sshFields.knownHosts.optional(),
  hostKeyChecking: sshFields.hostKeyChecking.optional(),
  connectTimeout: sshFields.connectTimeout.optional(),
  commandTimeout: sshFields.commandTimeout.optional(),
  keepaliveTimeout: sshFields.keepaliveTimeout.optional(),
});

/** A certificate and its private key issued elsewhere, as local files. */
const CertPair = z.strictObject({
  cert: LocalPath.describe('PEM certificate'),
  key: LocalPath.describe('PEM private key: a file only its owner can read (0600)'),
});

const Host = z.strictObject({
  address: HostAddress.describe(
    "Where ovnctl connects over SSH: an IP address, or a DNS name (a node's only: a master's OVN databases are " +
      'reached at its IP)',
  ),
  roles: z
    .array(z.enum(['master', 'node']), { error: 'must be a list of roles: [master], [node] or [master, node]' })
    .min(1, { error: 'a host needs at least one role: master or node' }),
  encapIp: IpAddress.optional().describe(
    "Tunnel endpoint address; default: address, or, when that is a DNS name, the host's source address toward " +
      'the first master (ip route get)',
  ),
  ssh: SshOverride.optional(),
  become: Bool.optional(),
  tls: CertPair.optional().describe(
    "With tls.enabled: this host's certificate and key issued elsewhere (uploaded) instead of a key made on the host",
  ),
});

/**
 * A file ovnkube reads on the hosts: a path already there, or `{file: PATH}`, a local file ovnctl uploads
 * (root, 0600) to a fixed path. A plain string that is not a valid host path keeps RemotePath's message.
 */
function hostFile(what: string) {
  return z.union([RemotePath, z.strictObject({ file: LocalPath.describe(`A local ${what} ovnctl uploads`) })], {
    error: (iss) => {
      const asPath = typeof iss.input === 'string' ? RemotePath.safeParse(iss.input) : undefined;
      if (asPath && !asPath.success) return asPath.error.issues[0].message;
      return `must be an absolute path on the hosts, or {file: PATH} (a local ${what} ovnctl uploads)`;
    },
  });
}

const K8sToken = z.union([z.strictObject({ env: EnvName }), z.strictObject({ file: LocalPath })], {
  error: 'must be {env: NAME} or {file: PATH}, never the token itself',
});

const Cluster = z.strictObject({
  clusterSubnet: Cidr.default('11.11.0.0/16'),
  serviceClusterIpRange: Cidr.default('10.96.0.0/12'),
  k8sApiserver: HttpUrl.optional().describe('Default: http://<first master address>:8080'),
  k8sKubeconfig: hostFile('kubeconfig')
    .default('/etc/kubernetes/kubeconfig.yaml')
    .describe(
      "ovnkube's -k8s-kubeconfig: a path on the hosts, or {file: PATH}, a local kubeconfig uploaded to " +
        '/etc/ovnctl/kubeconfig (root, 0600, by checksum; its content is a secret)',
    ),
  k8sCacert: hostFile('CA certificate')
    .optional()
    .describe(
      "ovnkube's -k8s-cacert (the API server's CA): a path on the hosts, or {file: PATH}, uploaded to " +
        '/etc/ovnctl/k8s-ca.crt (root, 0600)',
    ),
  k8sToken: K8sToken.optional(),
  nbPort: Port.default(6641),
  sbPort: Port.default(6642),
  encapType: z.enum(['geneve', 'stt', 'vxlan']).default('geneve'),
  mtu: z
    .int({ error: 'must be a whole number of bytes' })
    .min(576, { error: 'must be from 576 to 65535 bytes' })
    .max(65535, { error: 'must be from 576 to 65535 bytes' })
    .optional()
    .describe(
      "ovnkube's -mtu (the pods' MTU); default: the MTU of the node's interface that holds encapIp, less the " +
        'encapsulation overhead (geneve 58, vxlan 50, stt 72)',
    ),
  bootstrapMaster: HostName.optional().describe(
    'With 2+ masters: the master that creates the NB/SB RAFT clusters (the others join); default the first master',
  ),
  nbRaftPort: Port.default(6643).describe('With 2+ masters: the NB RAFT cluster port between masters'),
  sbRaftPort: Port.default(6644).describe('With 2+ masters: the SB RAFT cluster port between masters'),
  sbNorthdPort: Port.default(16642).describe(
    'With tls.enabled and 2+ masters: the SB listener of ovn-northd, without the RBAC role that keeps a node ' +
      'to its own chassis on sbPort',
  ),
  electionTimerMs: z
    .int({ error: 'must be a whole number of milliseconds' })
    .min(100, { error: 'must be from 100 to 600000 milliseconds' })
    .max(600000, { error: 'must be from 100 to 600000 milliseconds' })
    .default(1000)
    .describe("With 2+ masters: the RAFT election timer (OVN's default 1000); a change is applied step by step"),
});

const CustomRepo = z.strictObject({
  url: HttpUrl,
  key: z.string().min(1).describe('Signing key: a local file, or an http(s) URL ovnctl downloads; copied to each host'),
  suite: AptWord.optional().describe("Default: the host's codename"),
  components: z.array(AptWord).min(1).default(['main']),
});

const Packages = z.strictObject({
  source: z
    .union([z.literal('wand'), z.literal('distro'), CustomRepo], {
      error: 'must be wand, distro or {url, key, suite?, components?}',
    })
    .default('wand'),
  datapath: z.enum(['dkms', 'kernel']).default('dkms'),
  ovsPython: z.enum(['pip', 'apt', 'none']).default('pip'),
  lockTimeout: z
    .int({ error: 'must be a whole number of seconds' })
    .min(0, { error: 'must be from 0 to 86400 seconds' })
    .max(86400, { error: 'must be from 0 to 86400 seconds' })
    .default(600)
    .describe('Seconds apt waits for the dpkg lock held by another process before the task fails'),
});

const Ovs = z.strictObject({
  datapathType: z.enum(['system', 'netdev']).default('system'),
});

const Ovnkube = z.strictObject({
  enabled: Bool.default(true),
  binary: RemoteProgram.default('/usr/bin/ovnkube'),
  upload: LocalPath.optional().describe('A local ovnkube build copied to `binary` on each host'),
  loglevel: z.int({ error: 'must be an integer log level' }).min(0).max(10).default(4),
  logfile: RemotePath.default('/var/log/openvswitch/ovnkube.log'),
  nodeport: Bool.default(true),
  initGateways: Bool.default(true),
  master: HostName.optional().describe('The one master that runs ovnkube -init-master; default the bootstrap master'),
  cniPlugin: z
    .strictObject({ upload: LocalPath.describe('A local ovn-k8s-cni-overlay build') })
    .optional()
    .describe('The CNI plugin, copied to /opt/cni/bin/ovn-k8s-cni-overlay (0755) on every node'),
  gateway: z
    .strictObject({
      interface: IfName.optional().describe(
        "-gateway-interface: the node's interface for external traffic; default (ovnkube's): the default route's",
      ),
      nexthop: IpAddress.optional().describe(
        "-gateway-nexthop: the external next hop; default (ovnkube's): the node's default gateway",
      ),
      spareInterface: Bool.default(false).describe(
        '-gateway-spare-interface: the interface is given over to the OVN gateway router entirely',
      ),
    })
    .optional()
    .describe("Nodes' OVN gateway (ovnkube -init-gateways); needs initGateways: true"),
});

const Tls = z.strictObject({
  enabled: Bool.default(false).describe(
    "true: NB/SB (pssl), RAFT (ssl), ovn-northd, ovn-controller, ovnkube and ovnctl's own clients over TLS",
  ),
  caDir: LocalPath.default('pki').describe(
    'The CA ovnctl keeps on this machine (ovs-pki layout: cacert.pem, private/cakey.pem); its key never reaches a host',
  ),
  renewDays: z
    .int({ error: 'must be a whole number of days' })
    .min(1, { error: 'must be from 1 to 3650 days' })
    .max(3650, { error: 'must be from 1 to 3650 days' })
    .default(30)
    .describe('install reissues a certificate that expires sooner than this'),
  ca: CertPair.optional().describe('Your own CA instead of the one in caDir'),
});

const GreMesh = z
  .strictObject({
    bridge: IfName.default('br0'),
    podNetwork: Cidr.default('172.17.0.0/16'),
    hostSubnets: z.record(HostName, Cidr).optional().describe("Host name → the host's slice of podNetwork"),
    linuxBridge: IfName.default('docker0'),
    tunnelType: z.enum(['gre', 'vxlan', 'geneve']).default('gre'),
    underlayBridge: Bool.default(false).describe(
      'Put the underlay IP on an OVS bridge br-phy (userspace tunnels need it)',
    ),
  })
  .superRefine(checkPodSubnets);

/** The mesh hands out IPv4 subnets: each host's must lie in podNetwork and overlap no other host's. */
function checkPodSubnets(g: { podNetwork: string; hostSubnets?: Record<string, string> }, ctx: z.RefinementCtx): void {
  const net = parseIpv4Cidr(g.podNetwork);
  const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (!net) {
    issue(['podNetwork'], 'must be an IPv4 CIDR such as 172.17.0.0/16 (the mesh gives each host an IPv4 subnet of it)');
    return;
  }
  const seen: [string, Ipv4Cidr][] = [];
  for (const [host, text] of Object.entries(g.hostSubnets ?? {})) {
    const at = ['hostSubnets', host];
    const c = parseIpv4Cidr(text);
    if (!c) issue(at, 'must be an IPv4 CIDR such as 172.17.1.0/24');
    else if (networkOf(c) !== c.address)
      issue(at, `${text} is not a network address (did you mean ${formatCidr(networkOf(c), c.prefixlen)}?)`);
    else if (!cidrContains(net, c)) issue(at, `${text} is outside greMesh.podNetwork ${g.podNetwork}`);
    else if (c.prefixlen > 30) issue(at, `${text} leaves no room for a gateway and pods: use /30 or larger`);
    else {
      const twin = seen.find(([, o]) => cidrsOverlap(o, c));
      if (twin) issue(at, `${text} overlaps ${twin[0]}'s subnet ${formatCidr(twin[1].address, twin[1].prefixlen)}`);
      seen.push([host, c]);
    }
  }
}

export const InventorySchema = z
  .strictObject({
    ssh: Ssh.prefault({}),
    become: Bool.default(false).describe('true: every command through `sudo -n`'),
    cluster: Cluster.prefault({}),
    packages: Packages.prefault({}),
    ovs: Ovs.prefault({}),
    ovnkube: Ovnkube.prefault({}),
    tls: Tls.prefault({}),
    hosts: z.record(HostName, Host).describe('Host name (its Kubernetes node name) → host'),
    groups: z.record(GroupName, z.array(HostName)).default({}).describe('Extra groups for --limit'),
    greMesh: GreMesh.prefault({}).describe('Settings of the gre-mesh playbook'),
  })
  .describe('ovnctl inventory');

export type RawInventory = z.output<typeof InventorySchema>;
export type RawHost = RawInventory['hosts'][string];
export type RawSsh = RawInventory['ssh'];
/** What the gre-mesh playbook finds in Inventory.extra.greMesh (defaults filled in). */
export type GreMeshSettings = RawInventory['greMesh'];

/**
 * The inventory's JSON Schema (for `ovnctl schema` and editors); describes the input, defaults included.
 * Draft 7: the newest draft yaml-language-server (VS Code's YAML extension and others) understands.
 */
export function inventoryJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(InventorySchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
}

/** What `ovnctl schema` prints, and inventory.schema.json at the top of the repository holds. */
export function inventorySchemaText(): string {
  return JSON.stringify(inventoryJsonSchema(), null, 2) + '\n';
}
