// A host named by DNS, against a real sshd on loopback: `localhost` (resolved through /etc/hosts) without
// ansible_host is where ssh connects, its host key is checked under that name, commands run, and its
// tunnel endpoint is the fact read on it (`ovnctl facts` shows it; a run fills it in before the playbook).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEncapAddresses } from '../../src/app/encap.js';
import { gatherFactsCommand } from '../../src/app/facts.js';
import { runPlaybookCommand } from '../../src/app/playbook-run.js';
import { closeAll, runOnHost, sshConnector } from '../../src/app/connect.js';
import { ExitCode } from '../../src/errors.js';
import { loadInventory } from '../../src/inventory/load.js';
import { sshdSkipReason, startSshd, type TestSshd } from '../helpers/sshd.js';

const skip = sshdSkipReason();

describe.skipIf(skip)(`a host named by DNS${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let dir: string;
  let inventory: string;
  let knownHosts: string;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'ovnctl-dns-name-'));
    knownHosts = join(dir, 'known_hosts');
    inventory = join(dir, 'hosts');
    // The master by its IP (never contacted here); the node by its name only, as Ansible would reach it.
    writeFileSync(
      inventory,
      [
        '[masters]',
        `m1 ansible_host=127.0.0.1 ansible_port=${sshd.port}`,
        '[nodes]',
        `localhost ansible_port=${sshd.port}`,
        '[all:vars]',
        `ansible_ssh_private_key_file=${sshd.clientKeyPath}`,
        `ovnctl_ssh_known_hosts=${knownHosts}`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const node = async () => {
    const inv = await loadInventory(inventory);
    return { inv, host: inv.hosts.find((h) => h.name === 'localhost')! };
  };

  it('ssh connects to the name and runs a command; the host key is checked under the name', async () => {
    writeFileSync(knownHosts, `[localhost]:${sshd.port} ${sshd.hostKeyPub}\n`);
    const { inv, host } = await node();
    expect(host.address).toBe('localhost');
    const res = await runOnHost(inv, host, 'echo "ran as $(id -un)"');
    expect({ exitCode: res.exitCode, stdout: res.stdout.trim() }).toEqual({ exitCode: 0, stdout: 'ran as root' });
  });

  it("a key known only under the address is not the name's: strict checking refuses", async () => {
    writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
    const { inv, host } = await node();
    const err = await runOnHost(inv, host, 'true').catch((e: unknown) => e);
    expect((err as { exitCode: number }).exitCode).toBe(ExitCode.unreachable);
    expect((err as Error).message).toMatch(/localhost/);
  });

  it('`ovnctl facts` shows the address the host uses toward the first master', async () => {
    writeFileSync(knownHosts, `[localhost]:${sshd.port} ${sshd.hostKeyPub}\n`);
    const { code, hosts } = await gatherFactsCommand({
      inventory,
      limit: 'localhost',
      forks: 1,
      json: true,
      facts: () => [],
    });
    expect(code).toBe(0);
    expect(hosts).toEqual({ localhost: { 'net.encap-address:127.0.0.1': '127.0.0.1' } });
  });

  it('before a run, the tunnel endpoint is read on the host over ssh', async () => {
    writeFileSync(knownHosts, `[localhost]:${sshd.port} ${sshd.hostKeyPub}\n`);
    const { inv, host } = await node();
    expect({ encapIp: host.encapIp, encapFromHost: host.encapFromHost }).toEqual({ encapIp: '', encapFromHost: true });
    const read = await readEncapAddresses(inv, [host], sshConnector, 1);
    await closeAll(read.connections);
    expect(read.inventory.hosts.find((h) => h.name === 'localhost')?.encapIp).toBe('127.0.0.1');
  });

  it('a playbook run renders the endpoint read on the host ({{ host.encapIp }}), over one connection', async () => {
    writeFileSync(knownHosts, `[localhost]:${sshd.port} ${sshd.hostKeyPub}\n`);
    const out = join(dir, 'encap.txt');
    const playbook = join(dir, 'pb.yaml');
    writeFileSync(
      playbook,
      '- name: p\n  hosts: nodes\n  tasks:\n    - name: t\n' +
        `      copy: {dest: "${out}", content: "{{ host.encapIp }}"}\n`,
    );
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write; // the --json events
    let code: number;
    const dialed: string[] = [];
    try {
      ({ code } = await runPlaybookCommand({
        inventory,
        playbook,
        limit: 'localhost',
        check: false,
        diff: false,
        forks: 1,
        json: true,
        verbose: false,
        color: false,
        extraVars: {},
        connect: (inv) => {
          const factory = sshConnector(inv);
          return (h) => {
            dialed.push(h.name);
            return factory(h);
          };
        },
      }));
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('127.0.0.1');
    // The connection of the endpoint read is the run's: the host is dialed once.
    expect(dialed).toEqual(['localhost']);
  });
});
