// A bad Ansible inventory is an InputError (exit 5) at the line:col of the Ansible file that caused it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadInventory } from '../../src/inventory/load.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-ansible-err-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(text: string, name: string): Promise<InputError> {
  const file = path.join(mkdtempSync(path.join(dir, 'case-')), name);
  writeFileSync(file, text);
  try {
    await loadInventory(file, { env: { HOME: '/home/tester' } });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const err = e as InputError;
    expect(err.exitCode).toBe(5);
    expect(err.message.startsWith(`${file}:${err.pos?.line}:${err.pos?.col}: `)).toBe(true);
    return err;
  }
  throw new Error('expected the inventory to be rejected');
}

/** `^` in the text marks where the error must point; it is removed before loading. */
async function expectErrorAt(marked: string, detail: RegExp, name = 'hosts.ini'): Promise<InputError> {
  const offset = marked.indexOf('^');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  const before = text.slice(0, offset).split('\n');
  const err = await failure(text, name);
  expect({ line: err.pos?.line, col: err.pos?.col, detail: err.detail.split('\n')[0] }).toEqual({
    line: before.length,
    col: before.at(-1)!.length + 1,
    detail: expect.stringMatching(detail),
  });
  return err;
}

const M = '[masters]\nm1 ansible_host=10.0.0.10\n';

describe('INI', () => {
  test('a master without ansible_host named by DNS: its OVN address must be an IP', async () => {
    await expectErrorAt(
      `[masters]\n^cp.example.com\n[nodes]\nn1 ansible_host=10.0.0.11\n`,
      /host cp\.example\.com is a master, and its address cp\.example\.com is a DNS name: .*\(ansible_host= /,
    );
  });

  test('a password is refused, and its value never shown', async () => {
    const err = await expectErrorAt(`${M}[all:vars]\n^ansible_become_password=hunter2\n`, /takes no passwords/);
    expect(err.message).not.toContain('hunter2');
  });

  test('an unknown ovnctl_ variable, with the name it was probably meant to be', async () => {
    await expectErrorAt(
      `${M}[all:vars]\n^ovnctl_cluster_nbport=6631\n`,
      /unknown ovnctl variable 'ovnctl_cluster_nbport' \(did you mean ovnctl_cluster_nb_port\?\)/,
    );
  });

  test('a cluster-wide setting on a group other than all', async () => {
    await expectErrorAt(
      `${M}[masters:vars]\n^ovnctl_cluster_nb_port=6631\n`,
      /cluster-wide setting: set it in the vars of group all/,
    );
  });

  test("a bad value is reported by the native schema at the Ansible variable's value", async () => {
    await expectErrorAt(
      `${M}[nodes]\nn1 ansible_host=10.0.0.11 ansible_port=^abc\n`,
      /hosts\.n1\.ssh\.port: must be a port number/,
    );
    await expectErrorAt(
      `${M}[all:vars]\novnctl_cluster_nb_port=6631\novnctl_cluster_sb_port=^6631\n`,
      /southbound database needs a port other than nbPort/,
    );
    await expectErrorAt(
      `${M}[all:vars]\novnctl_packages_datapath=^zfs\n`,
      /packages\.datapath: must be one of: dkms, kernel/,
    );
  });

  test('a host name that is not a Kubernetes node name', async () => {
    await expectErrorAt(
      `[masters]\n^Master1 ansible_host=10.0.0.10\n`,
      /'Master1' is not a valid name: must be a Kubernetes node name/,
    );
  });

  test("a DNS name as a master's ansible_host", async () => {
    await expectErrorAt(`[masters]\nm1 ansible_host=^m1.example.com\n`, /host m1 is a master, and its address/);
  });

  test('an ansible_host that is neither an IP address nor a DNS name', async () => {
    await expectErrorAt(
      `${M}[nodes]\nn1 ansible_host=^10.0.0.300\n`,
      /hosts\.n1\.address: must be an IPv4 or IPv6 address or a DNS name/,
    );
  });

  test('no host in masters, with a hint when the inventory names a control-plane group', async () => {
    await expectErrorAt(
      `^[kube_control_plane]\ncp1 ansible_host=10.0.0.10\n[nodes]\nn1 ansible_host=10.0.0.11\n`,
      /no host is in group masters.*\[masters:children\] section listing it/,
    );
  });

  test('become through something other than sudo to root', async () => {
    await expectErrorAt(
      `${M}[all:vars]\nansible_become=true\nansible_become_method=^su\n`,
      /becomes root with sudo only/,
    );
    await expectErrorAt(
      `${M}[all:vars]\nansible_become=maybe\n`.replace('maybe', '^maybe'),
      /ansible_become must be true or false/,
    );
  });

  test('connections ovnctl cannot make', async () => {
    await expectErrorAt(`${M}[all:vars]\nansible_connection=^local\n`, /reaches every host over SSH/);
    await expectErrorAt(
      `${M}[all:vars]\n^ansible_ssh_common_args=-o ProxyJump=bastion\n`,
      /does not pass extra ssh arguments/,
    );
  });

  test('syntax: section types, undefined groups, quotes, key=value', async () => {
    await expectErrorAt(`${M}^[nodes:hosts_and_more]\n`, /unknown type 'hosts_and_more'/);
    await expectErrorAt(`${M}^[nodes :vars]\n`, /not a section header/);
    await expectErrorAt(
      `${M}[nodes:vars]\n^ansible_user=x\n`.replace('[nodes:vars]', '[^nodes:vars]').replace('^ansible', 'ansible'),
      /\[nodes:vars\] names group 'nodes', which has no \[nodes\]/,
    );
    await expectErrorAt(`${M}[all:children]\n^workers\n`, /\[all:children\] names group 'workers'/);
    await expectErrorAt(`${M}[nodes]\n^n1 ansible_host="10.0.0.11\n`, /unclosed double quote/);
    await expectErrorAt(
      `${M}[nodes]\nn1 ansible_host=10.0.0.11 ^become\n`,
      /expected key=value after the host name, got: become/,
    );
    await expectErrorAt(`${M}[all:vars]\n^just_a_word\n`, /expected key=value in \[all:vars\]/);
    await expectErrorAt(`${M}[nodes]\n^n[3:1] ansible_host=10.0.0.11\n`, /end is before the start/);
  });

  test('a group that is its own ancestor', async () => {
    await expectErrorAt(
      `${M}[a:children]\nb\n[b:children]\n^a\n`,
      /group 'a' is a child of 'b' and also one of its ancestors/,
    );
  });

  test('an ansible-vault encrypted file', async () => {
    await expectErrorAt(`^$ANSIBLE_VAULT;1.1;AES256\n6231336539\n`, /encrypted with ansible-vault/);
  });

  test('every problem is listed, in file order', async () => {
    const err = await failure(
      `${M}[nodes]\nweb1 ansible_become=maybe\n[all:vars]\nansible_ssh_pass=x\novnctl_nope=1\n`,
      'hosts.ini',
    );
    expect(err.detail.split('\n')).toHaveLength(3);
    expect(err.pos?.line).toBe(4);
  });
});

describe('YAML', () => {
  const Y = 'all:\n  children:\n    masters:\n      hosts:\n        m1: {ansible_host: 10.0.0.10}\n';

  test('an unknown key in a group', async () => {
    await expectErrorAt(
      `${Y}    nodes:\n      ^host:\n        n1:\n`,
      /unknown key 'host' in group 'nodes' \(allowed: hosts, vars, children\)/,
      'hosts.yaml',
    );
  });

  test('a vault-encrypted value ovnctl would use', async () => {
    await expectErrorAt(
      `${Y}  vars:\n    ansible_user: !vault ^|\n      $ANSIBLE_VAULT;1.1;AES256\n      6231\n`,
      /ansible_user is encrypted with ansible-vault/,
      'hosts.yaml',
    );
  });

  test('a bad value inside a structured setting points into the mapping', async () => {
    await expectErrorAt(
      `${Y}  vars:\n    ovnctl_packages_source:\n      url: https://mirror.example/ovs\n` +
        '      key: https://mirror.example/k.gpg\n      components: [main, ^"a b"]\n',
      /packages\.source\.components\[1\]: must be one word/,
      'hosts.yaml',
    );
  });

  test('hosts: must be a mapping', async () => {
    await expectErrorAt(`${Y}    nodes:\n      hosts: ^[n1, n2]\n`, /nodes\.hosts must be a mapping/, 'hosts.yaml');
  });

  test('YAML syntax problems are reported as for a native inventory', async () => {
    await expectErrorAt(
      `${Y}    nodes:\n      hosts:\n        n1: {ansible_host: 10.0.0.11}\n        ^n1: {ansible_host: 10.0.0.12}\n`,
      /duplicate key/,
      'hosts.yaml',
    );
  });
});
