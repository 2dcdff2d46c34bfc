// Every invalid inventory is an InputError (exit 5) at the exact line:col of the offending node.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadInventory, parseInventory } from '../../src/inventory/load.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-inv-err-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(content: string | Uint8Array, env: NodeJS.ProcessEnv = {}): Promise<InputError> {
  const sub = mkdtempSync(path.join(dir, 'case-'));
  const file = path.join(sub, 'inventory.yaml');
  writeFileSync(file, content);
  try {
    await loadInventory(file, { env });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const err = e as InputError;
    expect(err.exitCode).toBe(5);
    expect(err.pos?.file).toBe(file);
    expect(err.message.startsWith(`${file}:${err.pos?.line}:${err.pos?.col}: `)).toBe(true);
    return err;
  }
  throw new Error('expected the inventory to be rejected');
}

async function expectError(content: string | Uint8Array, line: number, col: number, detail: RegExp, env = {}) {
  const err = await failure(content, env);
  expect({ line: err.pos?.line, col: err.pos?.col }).toEqual({ line, col });
  expect(err.detail).toMatch(detail);
  return err;
}

/** A valid two-line start, so cases can append after it (line 3 onwards). */
const M1 = 'hosts:\n  m1: {address: 10.0.0.10, roles: [master]}\n';

describe('YAML and file level', () => {
  test.each([
    ['tab indentation', 'hosts:\n\tm1: {address: 10.0.0.1, roles: [master]}\n', 2, 1, /Tabs/],
    ['compact nested mapping', 'hosts: a: b\n', 1, 8, /Nested mappings/],
    ['unclosed quote', 'hosts:\n  m1: "abc\n', 3, 1, /closing "quote/],
    ['misaligned keys', 'hosts:\n  m1:\n    address: 10.0.0.1\n   roles: [master]\n', 4, 1, /same column/],
    [
      'duplicate key',
      'hosts:\n  m1: {address: 10.0.0.1, roles: [master]}\n  m1: {address: 10.0.0.2, roles: [master]}\n',
      3,
      3,
      /duplicate key/,
    ],
    ['second document', M1 + '---\nx: 1\n', 3, 1, /single YAML document/],
    ['unknown tag', M1 + 'become: !sure true\n', 3, 9, /Unresolved tag/],
    ['list at the root', '- m1\n- n1\n', 1, 1, /must be a mapping/],
    ['scalar at the root', 'hello\n', 1, 1, /must be a mapping/],
    ['empty file', '', 1, 1, /empty inventory/],
    ['only a comment', '# nothing yet\n', 1, 1, /empty inventory/],
    ['complex key', M1 + '? [a, b]\n: 1\n', 3, 3, /plain name/],
    ['null key', M1 + '~: 1\n', 3, 1, /plain name/],
    [
      'keys equal once read (1 and "1")',
      'hosts:\n  1: {address: 10.0.0.1, roles: [master]}\n  "1": {address: 10.0.0.2, roles: [node]}\n',
      3,
      3,
      /duplicate key/,
    ],
  ])('%s', async (_name, text, line, col, detail) => {
    await expectError(text, line, col, detail);
  });

  test('NUL byte (binary garbage)', async () => {
    await expectError('hosts:\n  m1\0: x\n', 2, 5, /control character U\+0000/);
  });

  test('invalid UTF-8, column counted in characters', async () => {
    const bytes = Buffer.concat([Buffer.from(M1 + '# café '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    await expectError(bytes, 3, 8, /not UTF-8/);
  });

  test('truncated UTF-8 at the end of the file', async () => {
    await expectError(Buffer.concat([Buffer.from(M1 + '# x'), Buffer.from([0xe2, 0x82])]), 3, 4, /not UTF-8/);
  });

  test('random bytes', async () => {
    await failure(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0xff, 0xfe]));
  });

  test('a file over 1 MiB', async () => {
    const big = M1 + `# ${'x'.repeat(1024 * 1024)}\n`;
    await expectError(big, 1, 1, /larger than 1 MiB/);
  });

  test('deep flow nesting is refused before parsing', async () => {
    const t0 = Date.now();
    await expectError('hosts: ' + '['.repeat(1000_000) + '\n', 1, 40, /nested deeper than 32/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  test('deep block nesting (by indentation) is refused', async () => {
    const text = Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
    await expectError(text, 33, 65, /nested deeper than 32/);
  });

  test('an alias bomb is refused at the alias that crosses the limit', async () => {
    const row = (name: string, item: string) => `${name}: &${name} [${Array(10).fill(item).join(', ')}]`;
    const text = [row('a', 'x'), row('b', '*a'), row('c', '*b'), row('d', '*c'), row('e', '*d'), M1].join('\n');
    // a: 11 nodes; b adds 110, c 1110, d 11110; each *d adds 11111: the 8th passes 100000.
    await expectError(text, 5, 36, /aliases expand to more than 100000/);
  });

  test('a missing inventory file', async () => {
    const missing = path.join(dir, 'nope.yaml');
    const err = await loadInventory(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(5);
    expect((err as InputError).message).toBe(`cannot read inventory ${missing}: no such file`);
  });

  test('a directory (read as an Ansible inventory directory) with no inventory file in it', async () => {
    const empty = mkdtempSync(path.join(dir, 'empty-'));
    const err = await loadInventory(empty).catch((e: unknown) => e);
    expect((err as InputError).message).toMatch(/the directory holds no inventory file/);
  });
});

describe('schema', () => {
  test.each([
    ['unknown top-level key', M1 + 'sssh: {}\n', 3, 1, /unknown key 'sssh' in the inventory \(allowed: ssh, become,/],
    [
      'unknown host key',
      'hosts:\n  m1: {address: 10.0.0.1, roles: [master], port: 22}\n',
      2,
      44,
      /unknown key 'port' in hosts.m1/,
    ],
    [
      'unknown key in a host ssh',
      'hosts:\n  m1: {address: 10.0.0.1, roles: [master], ssh: {prt: 1}}\n',
      2,
      50,
      /unknown key 'prt' in hosts.m1.ssh/,
    ],
    ['missing hosts', 'ssh: {user: root}\n', 1, 1, /missing required key 'hosts' in the inventory/],
    ['hosts is a list', 'hosts: []\n', 1, 8, /hosts: expected a mapping/],
    ['host without roles', 'hosts:\n  m1:\n    address: 10.0.0.1\n', 3, 5, /missing required key 'roles' in hosts.m1/],
    ['host with empty roles', 'hosts:\n  m1: {address: 10.0.0.1, roles: []}\n', 2, 34, /at least one role/],
    [
      'unknown role',
      'hosts:\n  m1: {address: 10.0.0.1, roles: [master, worker]}\n',
      2,
      43,
      /hosts.m1.roles\[1\]: must be one of: master, node/,
    ],
    ['host without value', 'hosts:\n  m1:\n', 2, 3, /hosts.m1: expected a mapping \(key: value\), got nothing/],
    ['host without address', 'hosts:\n  m1: {roles: [master]}\n', 2, 7, /missing required key 'address'/],
    ['bad IPv4 address', 'hosts:\n  m1: {address: 10.0.0.256, roles: [master]}\n', 2, 17, /IPv4 or IPv6 address/],
    ['bad IPv6 address', 'hosts:\n  m1: {address: "fe80::1::2", roles: [master]}\n', 2, 17, /IPv4 or IPv6 address/],
    [
      "a DNS name as a master's address",
      'hosts:\n  m1: {address: node1.example, roles: [master]}\n',
      2,
      17,
      /host m1 is a master, and its address node1\.example is a DNS name: .*reached at an IP address/,
    ],
    [
      'an address that is neither an IP address nor a DNS name',
      'hosts:\n  m1: {address: 10.0.0.1, roles: [master]}\n  n1: {address: 10.0.0.300, roles: [node]}\n',
      3,
      17,
      /hosts.n1.address: must be an IPv4 or IPv6 address or a DNS name/,
    ],
    [
      'bad encapIp',
      'hosts:\n  m1: {address: 10.0.0.1, encapIp: 10.0.0, roles: [master]}\n',
      2,
      36,
      /IPv4 or IPv6 address/,
    ],
    ['bad CIDR', M1 + 'cluster:\n  clusterSubnet: 11.11.0.0/33\n', 4, 18, /cluster.clusterSubnet: must be a CIDR/],
    ['address as CIDR', M1 + 'cluster:\n  serviceClusterIpRange: 10.96.0.1\n', 4, 26, /must be a CIDR/],
    ['port too big', M1 + 'ssh:\n  port: 70000\n', 4, 9, /ssh.port: must be a port number from 1 to 65535/],
    [
      'port zero on a host',
      'hosts:\n  m1: {address: 10.0.0.1, roles: [master], ssh: {port: 0}}\n',
      2,
      56,
      /hosts.m1.ssh.port/,
    ],
    ['port as string', M1 + 'ssh:\n  port: "22"\n', 4, 9, /ssh.port: must be a port number/],
    ['nbPort out of range', M1 + 'cluster: {nbPort: 65536}\n', 3, 19, /cluster.nbPort/],
    ['bad host key checking', M1 + 'ssh: {hostKeyChecking: no}\n', 3, 24, /must be one of: strict, accept-new, off/],
    [
      'keepalives shorter than two of their 5 s ticks',
      M1 + 'ssh: {keepaliveTimeout: 5}\n',
      3,
      25,
      /ssh.keepaliveTimeout: must be 0 \(no keepalives\) or at least 10 seconds/,
    ],
    ['become: yes', M1 + 'become: yes\n', 3, 9, /become: must be true or false/],
    [
      'host name not a node name',
      'hosts:\n  Node_1: {address: 10.0.0.1, roles: [master]}\n',
      2,
      3,
      /'Node_1' is not a valid name/,
    ],
    ['group name with a pattern character', M1 + 'groups:\n  "r*": [m1]\n', 4, 3, /'r\*' is not a valid name/],
    ['token given literally', M1 + 'cluster:\n  k8sToken: abcdef\n', 4, 13, /must be \{env: NAME\} or \{file: PATH\}/],
    ['token with env and file', M1 + 'cluster:\n  k8sToken: {env: T, file: t}\n', 4, 13, /must be \{env: NAME\}/],
    [
      'token with an unknown key',
      M1 + 'cluster:\n  k8sToken: {file: t, mode: 600}\n',
      4,
      23,
      /unknown key 'mode' in cluster.k8sToken \(allowed: env, file\)/,
    ],
    ['token env not a name', M1 + 'cluster:\n  k8sToken: {env: "my token"}\n', 4, 19, /environment variable name/],
    ['apiserver not http', M1 + 'cluster: {k8sApiserver: "ftp://x"}\n', 3, 25, /http:\/\/ or https:\/\/ URL/],
    ['relative kubeconfig', M1 + 'cluster: {k8sKubeconfig: kubeconfig}\n', 3, 26, /absolute path/],
    ['bad encapType', M1 + 'cluster: {encapType: gre}\n', 3, 22, /must be one of: geneve, stt, vxlan/],
    ['bad package source', M1 + 'packages:\n  source: ubuntu\n', 4, 11, /must be wand, distro or \{url, key/],
    [
      'custom source with extra key',
      M1 + 'packages:\n  source:\n    url: http://m/debian\n    key: k.gpg\n    codename: x\n',
      7,
      5,
      /unknown key 'codename' in packages.source \(allowed: url, key, suite, components\)/,
    ],
    [
      'custom source without url',
      M1 + 'packages:\n  source:\n    key: k.gpg\n',
      5,
      5,
      /missing required key 'url' in packages.source/,
    ],
    ['bad datapath', M1 + 'packages: {datapath: module}\n', 3, 22, /must be one of: dkms, kernel/],
    ['bad datapathType', M1 + 'ovs: {datapathType: dpdk}\n', 3, 21, /must be one of: system, netdev/],
    ['loglevel not an integer', M1 + 'ovnkube: {loglevel: high}\n', 3, 21, /integer log level/],
    ['bad greMesh tunnelType', M1 + 'greMesh: {tunnelType: ipip}\n', 3, 23, /must be one of: gre, vxlan, geneve/],
    ['bad greMesh podNetwork', M1 + 'greMesh: {podNetwork: 172.17.0.0}\n', 3, 23, /must be a CIDR/],
  ])('%s', async (_name, text, line, col, detail) => {
    await expectError(text, line, col, detail);
  });

  test('all problems are listed, the first in file order gives the position', async () => {
    const err = await expectError(
      'ssh: {port: 0, user: "a b"}\nhosts:\n  m1: {address: "x y", roles: [z]}\n',
      1,
      13,
      /^ssh.port: must be a port number from 1 to 65535\n/,
    );
    const lines = err.detail.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/:1:22: ssh.user: must be a user name$/);
    expect(lines[2]).toMatch(/:3:17: hosts.m1.address: must be an IPv4 or IPv6 address or a DNS name$/);
    expect(lines[3]).toMatch(/:3:32: hosts.m1.roles\[0\]: must be one of: master, node$/);
  });
});

describe('rules across keys', () => {
  test.each([
    ['no master', 'hosts:\n  n1: {address: 10.0.0.1, roles: [node]}\n', 2, 3, /no host has role master/],
    ['no hosts at all', 'hosts: {}\n', 1, 8, /no host has role master/],
    [
      'duplicate address and port',
      M1 + '  n1: {address: 10.0.0.10, roles: [node]}\n',
      3,
      17,
      /address 10.0.0.10 port 22 is already used by host m1/,
    ],
    [
      'duplicate IPv6 address, spelled differently',
      'hosts:\n  m1: {address: "fd00::1", roles: [master]}\n  n1: {address: "FD00:0::1", roles: [node]}\n',
      3,
      17,
      /already used by host m1/,
    ],
    [
      'two nodes, one tunnel endpoint',
      M1 + '  n1: {address: 10.0.0.11, roles: [node], encapIp: 10.0.0.12}\n  n2: {address: 10.0.0.12, roles: [node]}\n',
      4,
      17,
      /tunnel endpoint 10.0.0.12 is already used by node n1/,
    ],
    [
      'a host named like an implicit group',
      'hosts:\n  all: {address: 10.0.0.1, roles: [master]}\n',
      2,
      3,
      /host name 'all' is reserved/,
    ],
    [
      'group names an unknown host',
      M1 + 'groups:\n  rack1: [m1, n9]\n',
      4,
      15,
      /group 'rack1' names unknown host 'n9'/,
    ],
    ['group redefines all', M1 + 'groups:\n  all: [m1]\n', 4, 3, /group 'all' is implicit/],
    ['group redefines masters', M1 + 'groups:\n  masters: [m1]\n', 4, 3, /group 'masters' is implicit/],
    ['group redefines nodes', M1 + 'groups:\n  nodes: [m1]\n', 4, 3, /group 'nodes' is implicit/],
    ['group named like a host', M1 + 'groups:\n  m1: [m1]\n', 4, 3, /group 'm1' has the name of a host/],
    [
      'greMesh subnet of an unknown host',
      M1 + 'greMesh:\n  hostSubnets: {n7: 172.17.7.0/24}\n',
      4,
      17,
      /unknown host 'n7'/,
    ],
    [
      'nbPort equals sbPort',
      M1 + 'cluster:\n  nbPort: 6641\n  sbPort: 6641\n',
      5,
      11,
      /sbPort: the southbound database needs a port other than nbPort/,
    ],
  ])('%s', async (_name, text, line, col, detail) => {
    await expectError(text, line, col, detail);
  });
});

describe('local files', () => {
  test('k8sToken env unset or empty', async () => {
    const text = M1 + 'cluster:\n  k8sToken: {env: OVNCTL_TEST_TOKEN}\n';
    await expectError(text, 4, 19, /environment variable OVNCTL_TEST_TOKEN is unset or empty/);
    await expectError(text, 4, 19, /unset or empty/, { OVNCTL_TEST_TOKEN: '  ' });
  });

  test('k8sToken file missing (relative to the inventory)', async () => {
    const err = await expectError(
      M1 + 'cluster:\n  k8sToken: {file: ./token}\n',
      4,
      20,
      /token file .*\/token does not exist/,
    );
    expect(err.detail).toContain(path.dirname(err.pos!.file));
  });

  test('packages.source.key missing', async () => {
    const text = M1 + 'packages:\n  source:\n    url: http://mirror.example/debian\n    key: ./nokey.gpg\n';
    await expectError(text, 6, 10, /packages.source.key: file .*nokey.gpg does not exist/);
  });

  test('packages.source.key a broken URL', async () => {
    const text = M1 + 'packages:\n  source:\n    url: http://mirror.example/debian\n    key: "http://exa mple/key"\n';
    await expectError(text, 6, 10, /packages.source.key: not a valid URL/);
  });

  test('ovnkube.upload missing or a directory', async () => {
    await expectError(
      M1 + 'ovnkube:\n  upload: ./bin/nope\n',
      4,
      11,
      /ovnkube.upload: file .*bin\/nope does not exist/,
    );
    await expectError(M1 + 'ovnkube:\n  upload: /tmp\n', 4, 11, /is not a regular file/);
  });
});

describe('no input crashes the loader', () => {
  const isInputError = (e: unknown) =>
    e instanceof InputError && e.exitCode === 5 && (e.pos === undefined || e.pos.line >= 1);
  const parse = (content: string | Uint8Array) =>
    parseInventory('/nonexistent/fuzz.yaml', content, { env: {} }).then(
      () => true,
      (e: unknown) => isInputError(e) || Promise.reject(e),
    );

  test('arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (b) => parse(b)),
      { numRuns: 300 },
    );
  });

  test('YAML-ish text', async () => {
    const tok = fc.constantFrom(
      'hosts:',
      '\n',
      '  ',
      '- ',
      ': ',
      '[',
      ']',
      '{',
      '}',
      ',',
      '&a ',
      '*a',
      '? ',
      '"',
      "'",
      '#',
      'm1',
      'roles',
      'master',
      '10.0.0.1',
      '!!str ',
      '---\n',
      '|\n',
      '~',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(tok, { maxLength: 60 }), async (t) => parse(t.join(''))),
      { numRuns: 500 },
    );
  });

  test('arbitrary values in an inventory-shaped document', async () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    const section = fc.record(
      { hosts: fc.dictionary(fc.string({ maxLength: 6 }), value), ssh: value, cluster: value, groups: value },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(section, async (doc) => parse(stringify(doc))),
      { numRuns: 300 },
    );
  });
});
