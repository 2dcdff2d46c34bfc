// What ovnkube needs on the host (issue 16, items 4 and 5): the kubeconfig and CA as host paths or
// uploaded local files (the kubeconfig a secret), the CNI plugin, -mtu (set, or the underlay's MTU less
// the tunnel overhead), the gateway flags in forms Go's flag package parses, the unit and the logrotate rule.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { linkHolding, parseLinkMtus } from '../../src/facts/mtu.js';
import { loadInventory } from '../../src/inventory/load.js';
import type { Inventory } from '../../src/inventory/types.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import {
  logrotateRule,
  ovnkubeWarnings,
  rotatedByOpenvswitch,
  OVNKUBE_ARGS_FILE,
  OVNKUBE_LAUNCHER,
  OVNKUBE_LOGROTATE,
  expectedOvnkubeArgvSha,
  launcherScript,
  ovnkube,
  ovnkubeArgsText,
  unitFile,
} from '../../src/operations/ovnkube.js';
import {
  ENCAP_OVERHEAD,
  K8S_CACERT_HOST_PATH,
  KUBECONFIG_HOST_PATH,
  ovnkubeArgs,
  revealArg,
} from '../../src/operations/ovnkube-flags.js';
import { preflight } from '../../src/operations/preflight.js';
import { sha256 } from '../../src/util/hash.js';
import { guideInventory, host } from '../helpers/inventory.js';
import { planWith } from '../helpers/plan.js';

const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- cluster: {server: "https://10.0.0.10:6443"}',
  '  name: k',
  'users:',
  '- name: ovnkube',
  '  user:',
  '    token: kube-token-0123456789abcdef',
  '    client-key-data: "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t"',
  '',
].join('\n');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-ovnkube-inputs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(text: string, files: Record<string, string> = {}): Promise<Inventory> {
  const sub = mkdtempSync(path.join(dir, 'case-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(sub, name)), { recursive: true });
    writeFileSync(path.join(sub, name), content);
  }
  const file = path.join(sub, 'inventory.yaml');
  writeFileSync(file, text);
  return loadInventory(file, { env: { HOME: '/home/tester' } });
}

async function loadError(text: string, files: Record<string, string> = {}): Promise<InputError> {
  try {
    await load(text, files);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).exitCode).toBe(5);
    return e as InputError;
  }
  throw new Error('expected the inventory to be rejected');
}

const HOSTS = 'hosts:\n  m1: {address: 10.0.0.10, roles: [master]}\n  n1: {address: 10.0.0.11, roles: [node]}\n';

describe('the inventory: ovnkube inputs', () => {
  it('takes a kubeconfig path on the hosts as before, and a local one as {file}, its content a secret', async () => {
    expect((await load(HOSTS)).cluster.k8sKubeconfig).toBe('/etc/kubernetes/kubeconfig.yaml');
    const inv = await load(`cluster:\n  k8sKubeconfig: {file: ./kube/config}\n${HOSTS}`, { 'kube/config': KUBECONFIG });
    const ref = inv.cluster.k8sKubeconfig;
    expect(typeof ref === 'object' && path.isAbsolute(ref.file) && ref.file.endsWith('/kube/config')).toBe(true);
    expect(inv.secrets.mask(`x ${KUBECONFIG} y`)).toBe('x ******** y');
    // Each credential on its own too: a token or key that reaches output alone is masked.
    expect(inv.secrets.mask('kube-token-0123456789abcdef')).toBe('********');
    expect(inv.secrets.mask('LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t')).toBe('********');
  });

  it('refuses a missing kubeconfig at its file:line:col (exit 5)', async () => {
    const err = await loadError(`cluster:\n  k8sKubeconfig: {file: ./nope}\n${HOSTS}`);
    expect({ line: err.pos?.line, col: err.pos?.col }).toEqual({ line: 2, col: 25 });
    expect(err.detail).toMatch(/cluster\.k8sKubeconfig: kubeconfig file .*nope does not exist/);
  });

  it('refuses an unreadable or empty kubeconfig', async () => {
    if (process.getuid?.() !== 0) {
      const sub = mkdtempSync(path.join(dir, 'unreadable-'));
      writeFileSync(path.join(sub, 'k'), KUBECONFIG);
      chmodSync(path.join(sub, 'k'), 0o000);
      const err = await loadError(`cluster:\n  k8sKubeconfig: {file: ${path.join(sub, 'k')}}\n${HOSTS}`);
      expect(err.detail).toMatch(/is not readable/);
    }
    const empty = await loadError(`cluster:\n  k8sKubeconfig: {file: ./k}\n${HOSTS}`, { k: '\n' });
    expect(empty.detail).toMatch(/kubeconfig file .* is empty/);
  });

  it('keeps the host-path rules for a string (absolute, no shell characters)', async () => {
    const rel = await loadError(`cluster: {k8sKubeconfig: kubeconfig}\n${HOSTS}`);
    expect(rel.detail).toMatch(/cluster\.k8sKubeconfig: must be an absolute path/);
    const inj = await loadError(`cluster: {k8sKubeconfig: "/etc/$(reboot)"}\n${HOSTS}`);
    expect(inj.detail).toMatch(/must be a path of letters, digits/);
    const other = await loadError(`cluster: {k8sKubeconfig: 42}\n${HOSTS}`);
    expect(other.detail).toMatch(/absolute path on the hosts, or \{file: PATH\}/);
  });

  it('takes k8sCacert as a host path or a local file; a missing one is exit 5 at its place', async () => {
    expect((await load(`cluster: {k8sCacert: /etc/k8s/ca.crt}\n${HOSTS}`)).cluster.k8sCacert).toBe('/etc/k8s/ca.crt');
    const inv = await load(`cluster: {k8sCacert: {file: ca.crt}}\n${HOSTS}`, { 'ca.crt': 'PEM' });
    expect(inv.cluster.k8sCacert).toEqual({ file: expect.stringMatching(/\/ca\.crt$/) });
    const err = await loadError(`cluster:\n  k8sCacert: {file: gone.crt}\n${HOSTS}`);
    expect({ line: err.pos?.line, detail: err.detail }).toEqual({
      line: 2,
      detail: expect.stringMatching(/cluster\.k8sCacert: file .*gone\.crt does not exist/),
    });
  });

  it('takes cluster.mtu as a whole number of bytes, unset by default', async () => {
    expect((await load(HOSTS)).cluster.mtu).toBeUndefined();
    expect((await load(`cluster: {mtu: 1400}\n${HOSTS}`)).cluster.mtu).toBe(1400);
    expect((await loadError(`cluster: {mtu: 14.5}\n${HOSTS}`)).detail).toMatch(/whole number of bytes/);
    expect((await loadError(`cluster: {mtu: 100}\n${HOSTS}`)).detail).toMatch(/from 576 to 65535/);
  });

  it('takes ovnkube.cniPlugin {upload}, resolved; a missing file is exit 5', async () => {
    const inv = await load(`ovnkube: {cniPlugin: {upload: ./bin/cni}}\n${HOSTS}`, { 'bin/cni': '#!/bin/sh\n' });
    expect(inv.ovnkube.cniPlugin?.upload).toMatch(/^\/.*\/bin\/cni$/);
    const err = await loadError(`ovnkube:\n  cniPlugin: {upload: ./nope}\n${HOSTS}`);
    expect(err.detail).toMatch(/ovnkube\.cniPlugin\.upload: file .*nope does not exist/);
    expect(err.pos?.line).toBe(2);
  });

  it('takes ovnkube.gateway; it needs initGateways, and an interface name', async () => {
    const inv = await load(`ovnkube: {gateway: {interface: eth1, nexthop: 10.0.0.1}}\n${HOSTS}`);
    expect(inv.ovnkube.gateway).toEqual({ interface: 'eth1', nexthop: '10.0.0.1', spareInterface: false });
    const off = await loadError(`ovnkube:\n  initGateways: false\n  gateway: {interface: eth1}\n${HOSTS}`);
    expect(off.detail).toMatch(/set ovnkube\.initGateways: true/);
    expect(off.pos?.line).toBe(3);
    expect((await loadError(`ovnkube: {gateway: {interface: "eth 1"}}\n${HOSTS}`)).detail).toMatch(/interface name/);
    expect((await loadError(`ovnkube: {gateway: {nexthop: gw}}\n${HOSTS}`)).detail).toMatch(/IPv4 or IPv6/);
  });
});

// The 2018 flag set (SPEC "ovnkube") and Go's flag rules: bools only as -x or -x=true|false, ints as
// integers, a string flag's value either after = or as the next argument, and no positional argument.
const STRINGS = new Set(
  (
    'cluster-subnet service-cluster-ip-range init-master init-node remove-node pidfile gateway-interface ' +
    'gateway-nexthop config-file encap-type encap-ip logfile cni-conf-dir cni-plugin win-hnsnetwork-id ' +
    'k8s-kubeconfig k8s-apiserver k8s-cacert k8s-token nb-address nb-server-privkey nb-server-cert ' +
    'nb-server-cacert nb-client-privkey nb-client-cert nb-client-cacert sb-address sb-server-privkey ' +
    'sb-server-cert sb-server-cacert sb-client-privkey sb-client-cert sb-client-cacert'
  ).split(' '),
);
const BOOLS = new Set(['net-controller', 'init-gateways', 'gateway-spare-interface', 'nodeport', 'ha']);
const INTS = new Set(['mtu', 'conntrack-zone', 'loglevel']);

/** The flags as Go's flag package would parse them; throws where it would stop or exit. */
function goParse(args: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const m = /^--?([^=-][^=]*)(?:=([\s\S]*))?$/.exec(args[i]);
    if (!m) throw new Error(`positional argument ${args[i]} would end flag parsing`);
    const [, name, value] = m;
    if (BOOLS.has(name)) {
      if (value !== undefined && !/^(true|false|1|0)$/.test(value)) throw new Error(`bad bool -${name}=${value}`);
      out.set(name, value ?? 'true');
    } else if (INTS.has(name) || STRINGS.has(name)) {
      const v = value ?? args[++i];
      if (v === undefined) throw new Error(`-${name} needs a value`);
      if (INTS.has(name) && !/^-?\d+$/.test(v)) throw new Error(`-${name}=${v} is not an integer`);
      out.set(name, v);
    } else {
      throw new Error(`flag provided but not defined: -${name}`);
    }
  }
  return out;
}

const withCluster = (inv: Inventory, c: Partial<Inventory['cluster']>, k: Partial<Inventory['ovnkube']> = {}) => ({
  ...inv,
  cluster: { ...inv.cluster, ...c },
  ovnkube: { ...inv.ovnkube, ...k },
});

describe('ovnkube flags for its inputs', () => {
  const inv = guideInventory();
  const [m1, n1] = inv.hosts;
  const args = (i: Inventory, h = n1, underlayMtu?: number) => ovnkubeArgs(h, i, { underlayMtu }).map(revealArg);

  it('point -k8s-kubeconfig and -k8s-cacert at the host path, or where the local file is uploaded', () => {
    const local = withCluster(inv, { k8sKubeconfig: { file: '/home/me/kubeconfig' }, k8sCacert: { file: '/x/ca' } });
    expect(goParse(args(local)).get('k8s-kubeconfig')).toBe(KUBECONFIG_HOST_PATH);
    expect(goParse(args(local)).get('k8s-cacert')).toBe(K8S_CACERT_HOST_PATH);
    expect(goParse(args(local, m1)).get('k8s-cacert')).toBe(K8S_CACERT_HOST_PATH);
    const onHost = withCluster(inv, { k8sCacert: '/etc/k8s/ca.crt' });
    expect(args(onHost)).toContain('-k8s-cacert=/etc/k8s/ca.crt');
    expect(args(inv).some((a) => a.startsWith('-k8s-cacert'))).toBe(false);
    expect(args(local).join(' ')).not.toContain('/home/me');
  });

  it('give -mtu=N on nodes: cluster.mtu as is, else the underlay MTU less the overhead of encapType', () => {
    expect(goParse(args(withCluster(inv, { mtu: 1400 }), n1, 9000)).get('mtu')).toBe('1400');
    expect(goParse(args(inv, n1, 1500)).get('mtu')).toBe('1442');
    expect(goParse(args(withCluster(inv, { encapType: 'vxlan' }), n1, 1500)).get('mtu')).toBe('1450');
    expect(goParse(args(withCluster(inv, { encapType: 'stt' }), n1, 1500)).get('mtu')).toBe('1428');
    expect(goParse(args(inv, n1, 9000)).get('mtu')).toBe(String(9000 - ENCAP_OVERHEAD.geneve));
    // A master that is no node sets up no pod interface.
    expect(args(withCluster(inv, { mtu: 1400 }), m1).some((a) => a.startsWith('-mtu'))).toBe(false);
    const aio = guideInventory({ hosts: [host('aio', '10.0.0.5', ['master', 'node'])] });
    expect(goParse(args(withCluster(aio, { mtu: 1300 }), aio.hosts[0])).get('mtu')).toBe('1300');
  });

  it('give the gateway flags with -init-gateways, the bool as -gateway-spare-interface alone', () => {
    const gw = withCluster(inv, {}, { gateway: { interface: 'eth1', nexthop: '10.0.0.1', spareInterface: true } });
    const a = args(gw);
    expect(a).toEqual(
      expect.arrayContaining([
        '-init-gateways',
        '-gateway-interface=eth1',
        '-gateway-nexthop=10.0.0.1',
        '-gateway-spare-interface',
      ]),
    );
    expect(a.filter((x) => x.includes('spare'))).toEqual(['-gateway-spare-interface']);
    const noSpare = args(withCluster(inv, {}, { gateway: { interface: 'eth1', spareInterface: false } }));
    expect(noSpare.some((x) => x.includes('spare') || x.includes('nexthop'))).toBe(false);
    // Not on a master that is not a node: the gateway is the node half's.
    expect(args(gw, m1).some((x) => x.startsWith('-gateway'))).toBe(false);
  });

  it('are all in the 2018 flag set, in forms Go parses, for every role and setting', () => {
    const full = withCluster(
      guideInventory({
        hosts: [host('m1', '10.0.0.10', ['master', 'node']), host('n1', '10.0.0.11', ['node'])],
      }),
      { mtu: 1400, k8sKubeconfig: { file: '/k' }, k8sCacert: '/ca' },
      { gateway: { interface: 'eth1', nexthop: '10.0.0.1', spareInterface: true } },
    );
    for (const i of [inv, full, withCluster(inv, { encapType: 'vxlan' }, { nodeport: false, initGateways: false })])
      for (const h of i.hosts) expect(() => goParse(args(i, h, 1500))).not.toThrow();
  });
});

const LINKS = [
  '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\' +
    '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
  '2: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default\\' +
    '    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff link-netnsid 0',
  '3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc fq_codel state UP mode DEFAULT group default qlen 1000',
  '--addresses--',
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  '2: eth0    inet 10.0.0.11/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever preferred_lft forever',
  '3: eth1    inet 192.168.50.11/24 brd 192.168.50.255 scope global eth1\\       valid_lft forever',
  '3: eth1    inet6 2001:DB8::11/64 scope global \\       valid_lft forever preferred_lft forever',
  '',
].join('\n');

describe('the link MTU fact', () => {
  it('reads each link (a veth@peer too) with its MTU and addresses', () => {
    const links = parseLinkMtus(LINKS);
    expect(links.map((l) => [l.name, l.mtu])).toEqual([
      ['lo', 65536],
      ['eth0', 1500],
      ['eth1', 9000],
    ]);
    expect(linkHolding(links, '10.0.0.11')?.name).toBe('eth0');
    expect(linkHolding(links, '192.168.50.11')?.mtu).toBe(9000);
    expect(linkHolding(links, '2001:db8:0::11')?.name).toBe('eth1');
    expect(linkHolding(links, '10.9.9.9')).toBeUndefined();
  });
});

describe('the ovnkube module', () => {
  const inv = guideInventory();
  const n1 = inv.hosts[1];
  const absent = { exists: false, sha256: '', mode: '' };
  const present = (content: string, mode: string) => ({ exists: true, sha256: sha256(content), mode });
  const linksFact = { 'net.link-mtus': { raw: LINKS } };
  /** The facts of a host where everything is in place for `i` (a running ovnkube with the wanted argv). */
  const settled = (i: Inventory, h = n1, over: Record<string, unknown> = {}) => {
    const facts: Record<string, unknown> = {
      'os.systemd': false,
      'file:/usr/bin/ovnkube': { exists: true, sha256: 'x', mode: '0755' },
      [`file:${OVNKUBE_LAUNCHER}`]: present(launcherScript('/usr/bin/ovnkube'), '0755'),
      // The default log is openvswitch-switch's to rotate: no rule of ovnctl's there.
      [`file:${OVNKUBE_LOGROTATE}`]: rotatedByOpenvswitch(i.ovnkube.logfile)
        ? absent
        : present(logrotateRule(i.ovnkube.logfile), '0644'),
      [`file:${KUBECONFIG_HOST_PATH}`]: present(KUBECONFIG, '0600'),
      'file.content:/etc/systemd/system/ovnkube.service': null,
      ...linksFact,
      ...over,
    };
    const reader = <T>(f: { key: string; parse: (o: string, rc: number) => T }): T => {
      const v = facts[f.key] as { raw?: string } | undefined;
      return (v && typeof v === 'object' && 'raw' in v ? f.parse(v.raw ?? '', 0) : v) as T;
    };
    const text = ovnkubeArgsText(h, i, { underlayMtu: 1500 });
    facts[`file:${OVNKUBE_ARGS_FILE}`] ??= present(text, '0600');
    facts['process.of:/usr/bin/ovnkube'] ??= { raw: `4242 ${expectedOvnkubeArgvSha(h, i, reader)}\n` };
    return facts;
  };
  const localKube = withCluster(inv, { k8sKubeconfig: { file: '/local/kubeconfig' } });
  const assets = { '/local/kubeconfig': Buffer.from(KUBECONFIG), '/local/ca.crt': Buffer.from('CA PEM\n') };
  const plan = (i: Inventory, facts: Record<string, unknown>, h = n1) => planWith(ovnkube, {}, facts, i, h, assets);

  it('changes nothing when all is in place, the default -mtu read from the link that holds encapIp', async () => {
    const p = await plan(localKube, settled(localKube));
    expect(p.commands).toEqual([]);
    expect(ovnkubeArgsText(n1, inv, { underlayMtu: 1500 })).toContain('-mtu=1442\n');
  });

  it('uploads a local kubeconfig root 0600 by checksum, masked everywhere, and restarts ovnkube for it', async () => {
    const facts = settled(localKube, n1, { [`file:${KUBECONFIG_HOST_PATH}`]: present('old', '0600') });
    const p = await plan(localKube, facts);
    const up = p.commands.find((c) => c.stdin?.toString() === KUBECONFIG);
    expect(up?.script).toContain(`chmod 0600 ${KUBECONFIG_HOST_PATH}.ovnctl-tmp`);
    expect(up?.display).toContain('# secret content');
    const shown = [
      ...p.commands.map((c) => c.display),
      ...p.commands.map((c) => c.script),
      p.diff?.before,
      p.diff?.after,
      p.msg,
    ].join('\n');
    for (const secret of ['kube-token-0123456789abcdef', 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t', 'apiVersion'])
      expect(shown).not.toContain(secret);
    expect(p.diff?.after).toContain(`${KUBECONFIG_HOST_PATH} mode 0600 (secret content)`);
    expect(p.msg).toBe('restart ovnkube (new kubeconfig)');
    expect(p.commands.map((c) => c.script).join('\n')).toMatch(/kill 4242[\s\S]*setsid/);
    // A loose mode is put right too.
    const loose = await plan(
      localKube,
      settled(localKube, n1, { [`file:${KUBECONFIG_HOST_PATH}`]: present(KUBECONFIG, '0644') }),
    );
    expect(loose.commands.some((c) => c.stdin?.toString() === KUBECONFIG)).toBe(true);
  });

  it('uploads a local CA to its fixed path (0600) and leaves a host path alone', async () => {
    const withCa = withCluster(localKube, { k8sCacert: { file: '/local/ca.crt' } });
    const p = await plan(withCa, settled(withCa, n1, { [`file:${K8S_CACERT_HOST_PATH}`]: absent }));
    expect(p.commands.find((c) => c.stdin?.toString() === 'CA PEM\n')?.script).toContain(K8S_CACERT_HOST_PATH);
    const onHost = withCluster(inv, { k8sCacert: '/etc/k8s/ca.crt' });
    const q = await plan(onHost, settled(onHost));
    expect(q.commands).toEqual([]);
  });

  it('fails clearly when no link holds encapIp and cluster.mtu is unset; cluster.mtu needs no fact', async () => {
    const lost = guideInventory({ hosts: [inv.hosts[0], host('n1', '10.0.0.99', ['node'])] });
    const gone = { 'process.of:/usr/bin/ovnkube': { raw: '' }, [`file:${OVNKUBE_ARGS_FILE}`]: absent };
    await expect(plan(lost, settled(lost, lost.hosts[1], gone), lost.hosts[1])).rejects.toThrow(
      /no interface of n1 holds its encapIp 10\.0\.0\.99.*set hosts\.n1\.encapIp .* or cluster\.mtu/,
    );
    const fixed = withCluster(inv, { mtu: 1400 });
    const declared = ovnkube.facts({}, { host: n1, inventory: fixed, readAsset: async () => Buffer.from('') });
    expect(declared.map((f) => f.key)).not.toContain('net.link-mtus');
  });

  it("a log in /var/log/openvswitch (the default): no rule of ovnctl's, an old one goes, install warns", async () => {
    expect(rotatedByOpenvswitch(inv.ovnkube.logfile)).toBe(true);
    const p = await plan(inv, settled(inv, n1, { [`file:${OVNKUBE_LOGROTATE}`]: present('old rule', '0644') }));
    expect(p.commands.map((x) => x.script)).toContain(`rm -f ${OVNKUBE_LOGROTATE}`);
    expect(ovnkubeWarnings(inv).join('\n')).toMatch(/rotated by openvswitch-switch's logrotate rule/);
    const own = { ...inv, ovnkube: { ...inv.ovnkube, logfile: '/var/log/ovn-kubernetes/ovnkube.log' } };
    expect(ovnkubeWarnings(own)).toEqual([]);
  });

  it('writes the logrotate rule on every host that runs ovnkube, without systemd too', async () => {
    const own = { ...inv, ovnkube: { ...inv.ovnkube, logfile: '/var/log/ovn-kubernetes/ovnkube.log' } };
    const p = await plan(own, settled(own, n1, { [`file:${OVNKUBE_LOGROTATE}`]: absent }));
    const c = p.commands.find((x) => x.script.includes(OVNKUBE_LOGROTATE));
    expect(c?.stdin?.toString()).toBe(logrotateRule('/var/log/ovn-kubernetes/ovnkube.log'));
    expect(c?.script).toContain('chmod 0644');
    expect(p.commands.some((x) => /kill|setsid|systemctl/.test(x.script))).toBe(false);
  });

  it('writes the unit under systemd', async () => {
    const p = await plan(inv, settled(inv, n1, { 'os.systemd': true }));
    const c = p.commands.find((x) => x.script.includes('/etc/systemd/system/ovnkube.service'));
    expect(c?.stdin?.toString()).toBe(unitFile(n1));
  });
});

describe('the ovnkube unit and its log rotation', () => {
  const section = (text: string, name: string) => text.split(/^\[/m).find((s) => s.startsWith(`${name}]`)) ?? '';
  it('waits for the network and the OVN service of the host, restarts forever', () => {
    const node = unitFile(host('n1', '10.0.0.11', ['node']));
    expect(section(node, 'Unit')).toMatch(/^Wants=network-online\.target ovn-host\.service$/m);
    expect(section(node, 'Unit')).toMatch(
      /^After=network-online\.target openvswitch-switch\.service ovn-host\.service$/m,
    );
    expect(section(node, 'Unit')).toMatch(/^StartLimitIntervalSec=0$/m);
    expect(section(node, 'Service')).toMatch(/^Restart=always$/m);
    expect(section(node, 'Service')).toMatch(/^RestartSec=2$/m);
    const master = unitFile(host('m1', '10.0.0.10', ['master']));
    expect(section(master, 'Unit')).toMatch(/^Wants=network-online\.target ovn-central\.service$/m);
    const both = unitFile(host('a', '10.0.0.5', ['master', 'node']));
    expect(section(both, 'Unit')).toMatch(/^After=.* ovn-central\.service ovn-host\.service$/m);
  });
  it('rotates the log by copy and truncate, daily or past 100M, 7 kept, compressed', () => {
    const rule = logrotateRule('/var/log/ovnkube/ovnkube.log');
    expect(rule).toMatch(/^\/var\/log\/ovnkube\/ovnkube\.log \{$/m);
    for (const d of ['copytruncate', 'daily', 'maxsize 100M', 'rotate 7', 'compress', 'missingok', 'notifempty'])
      expect(rule).toMatch(new RegExp(`^    ${d}$`, 'm'));
    expect(rule).not.toMatch(/^\s*create\b/m);
  });
});

describe('preflight: the gateway interface', () => {
  const base = {
    'os.release': { id: 'ubuntu', idLike: ['debian'], versionId: '22.04', codename: 'jammy' },
    'os.which:apt-get': '/usr/bin/apt-get',
    'os.pep668': false,
    'file:/usr/bin/ovnkube': { exists: true, sha256: 'x', mode: '0755' },
    'net.link-mtus': { raw: LINKS },
  };
  const gw = (name: string) =>
    withCluster(guideInventory(), {}, { gateway: { interface: name, spareInterface: false } });
  it('fails on a node without it, naming host and interface', async () => {
    const i = gw('eth7');
    await expect(planWith(preflight, {}, base, i, i.hosts[1])).rejects.toThrow(
      /ovnkube\.gateway\.interface eth7 does not exist on n1 \(its interfaces: lo, eth0, eth1\)/,
    );
  });
  it('passes a node that has it, and does not look on a master that is no node', async () => {
    const i = gw('eth1');
    expect((await planWith(preflight, {}, base, i, i.hosts[1])).commands).toEqual([]);
    const m = gw('eth7');
    const { 'net.link-mtus': _, ...noLinks } = base;
    expect((await planWith(preflight, {}, noLinks, m, m.hosts[0])).commands).toEqual([]);
  });
});

describe('install.yaml: the CNI plugin', () => {
  const playbook = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../playbooks/install.yaml');
  const task = (i: Inventory) => {
    const pb = loadPlaybook(playbook, i, { selected: i.hosts, extraVars: {} });
    return pb.plays.flatMap((p) => p.tasks).find((t) => t.name.startsWith('Ship the CNI plugin'))!;
  };
  it('is copied to /opt/cni/bin on nodes (0755) when set, and skipped when not', () => {
    const i = withCluster(guideInventory(), {}, { cniPlugin: { upload: '/local/ovn-k8s-cni-overlay' } });
    expect(task(i).prepared.get('n1')).toEqual({
      run: true,
      args: {
        src: '/local/ovn-k8s-cni-overlay',
        dest: '/opt/cni/bin/ovn-k8s-cni-overlay',
        mode: '0755',
        secret: false,
      },
    });
    expect(task(guideInventory()).prepared.get('n1')).toEqual({ run: false, args: undefined });
  });
});
