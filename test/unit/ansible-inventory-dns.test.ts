// Hosts named by DNS: ssh connects to the name; a node's tunnel endpoint, unless given, is read on the host
// (its source address toward the first master); a master needs an IP address. The Ansible and the native
// forms read the same.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readEncapAddresses } from '../../src/app/encap.js';
import { LocalConnection } from '../../src/connection/local.js';
import type { ExecOptions } from '../../src/connection/types.js';
import { ExitCode, UnreachableError } from '../../src/errors.js';
import { encapAddress, parseRouteSource } from '../../src/facts/encap.js';
import { loadInventory } from '../../src/inventory/load.js';
import { describeInventory } from '../../src/inventory/mask.js';
import type { Inventory } from '../../src/inventory/types.js';
import { quote } from '../../src/shell/quote.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-dns-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(name: string, text: string): Promise<Inventory> {
  const file = path.join(mkdtempSync(path.join(dir, 'case-')), name);
  writeFileSync(file, text);
  return loadInventory(file, { env: { HOME: '/home/tester' } });
}

const INI = `[masters]
m1 ansible_host=10.0.0.10
[nodes]
n1.example.com
n2 ansible_host=n2.internal.example.com
n3.example.com ovnctl_encap_ip=192.168.50.13
`;

const NATIVE = `hosts:
  m1: {address: 10.0.0.10, roles: [master]}
  n1.example.com: {address: n1.example.com, roles: [node]}
  n2: {address: n2.internal.example.com, roles: [node]}
  n3.example.com: {address: n3.example.com, encapIp: 192.168.50.13, roles: [node]}
`;

describe('hosts named by DNS', () => {
  test('a node without ansible_host: ssh goes to its name; its tunnel endpoint is read on the host', async () => {
    const inv = await load('hosts', INI);
    const view = inv.hosts.map(({ name, address, encapIp, encapFromHost }) => ({
      name,
      address,
      encapIp,
      encapFromHost,
    }));
    expect(view).toEqual([
      { name: 'm1', address: '10.0.0.10', encapIp: '10.0.0.10', encapFromHost: undefined },
      { name: 'n1.example.com', address: 'n1.example.com', encapIp: '', encapFromHost: true },
      { name: 'n2', address: 'n2.internal.example.com', encapIp: '', encapFromHost: true },
      { name: 'n3.example.com', address: 'n3.example.com', encapIp: '192.168.50.13', encapFromHost: undefined },
    ]);
  });

  test('the native form reads the same hosts as the Ansible form', async () => {
    const fromAnsible = await load('hosts', INI);
    const native = await load('inventory.yaml', NATIVE);
    expect(native.hosts.map(({ groups: _g, ...h }) => h)).toEqual(fromAnsible.hosts.map(({ groups: _g, ...h }) => h));
  });

  test('`ovnctl inventory` does not show an endpoint not yet read as an address', async () => {
    const view = describeInventory(await load('hosts', INI));
    expect(view.hosts['n1.example.com']).not.toHaveProperty('encapIp');
    expect(view.hosts['n1.example.com'].encapFromHost).toBe(true);
    expect(view.hosts.m1.encapIp).toBe('10.0.0.10');
  });

  test('two nodes whose endpoints are still to be read do not collide at load', async () => {
    const inv = await load('hosts', '[masters]\nm1 ansible_host=10.0.0.10\n[nodes]\na.example\nb.example\n');
    expect(inv.hosts.filter((h) => h.encapFromHost).map((h) => h.name)).toEqual(['a.example', 'b.example']);
  });
});

describe('the encap address fact', () => {
  test('the src of `ip route get`, IPv4 and IPv6, in canonical spelling', () => {
    expect(parseRouteSource('10.0.0.10 dev eth0 src 10.0.0.11 uid 0 \n    cache \n', 0)).toBe('10.0.0.11');
    expect(parseRouteSource('local 127.0.0.1 dev lo src 127.0.0.1 uid 0\n', 0)).toBe('127.0.0.1');
    expect(
      parseRouteSource('2001:db8::10 from :: via fe80::1 dev eth0 src 2001:DB8:0::11 metric 1024 pref medium\n', 0),
    ).toBe('2001:db8::11');
  });

  test('no route, or `ip` failing, is no address', () => {
    expect(parseRouteSource('', 2)).toBeNull();
    expect(parseRouteSource('unreachable 10.0.0.10 dev eth0\n', 0)).toBeNull();
  });

  test('the command asks toward the first master, quoted', () => {
    expect(encapAddress('10.0.0.10').command).toBe(`ip route get ${quote('10.0.0.10')}`);
    expect(() => encapAddress('m1.example.com')).toThrow(/not an IP address/);
  });
});

/** A local "host" whose `ip` prints `out` and exits with `rc` (a shell function wins over the command). */
class StubIp extends LocalConnection {
  constructor(
    name: string,
    readonly out: string,
    readonly rc = 0,
    readonly seen: string[] = [],
  ) {
    super(name);
  }
  override exec(script: string, opts?: ExecOptions) {
    this.seen.push(script);
    return super.exec(`ip() { printf '%s\\n' ${quote(this.out)}; return ${this.rc}; }\n${script}`, opts);
  }
}

describe('reading the endpoints before a run (app/encap.ts)', () => {
  const routes: Record<string, string> = {
    'n1.example.com': '10.0.0.10 dev eth0 src 10.0.0.21 uid 0',
    n2: '10.0.0.10 dev eth1 src 10.0.0.22 uid 0',
  };

  test('each selected DNS-named node: its source address toward the first master; no one else is read', async () => {
    const inv = await load('hosts', INI);
    const contacted: string[] = [];
    const seen: string[] = [];
    const out = await readEncapAddresses(
      inv,
      inv.hosts,
      () => (h) => {
        contacted.push(h.name);
        return new StubIp(h.name, routes[h.name] ?? '', 0, seen);
      },
      4,
    );
    expect(contacted.sort()).toEqual(['n1.example.com', 'n2']);
    expect(seen).toHaveLength(2);
    for (const script of seen) expect(script).toContain(encapAddress('10.0.0.10').command);
    expect(Object.fromEntries(out.inventory.hosts.map((h) => [h.name, h.encapIp]))).toEqual({
      m1: '10.0.0.10',
      'n1.example.com': '10.0.0.21',
      n2: '10.0.0.22',
      'n3.example.com': '192.168.50.13',
    });
    // The loaded inventory is left as it was.
    expect(inv.hosts[1].encapIp).toBe('');
    // The connections stay open for the run to take (no second connect per host).
    expect([...out.connections.keys()].sort()).toEqual(['n1.example.com', 'n2']);
  });

  test('only the selected hosts are read (--limit)', async () => {
    const inv = await load('hosts', INI);
    const contacted: string[] = [];
    const out = await readEncapAddresses(
      inv,
      inv.hosts.filter((h) => h.name === 'n2'),
      () => (h) => {
        contacted.push(h.name);
        return new StubIp(h.name, routes[h.name]);
      },
      4,
    );
    expect(contacted).toEqual(['n2']);
    expect(out.inventory.hosts.find((h) => h.name === 'n2')?.encapIp).toBe('10.0.0.22');
  });

  test('an inventory of IP addresses contacts nobody', async () => {
    const inv = await load('hosts', '[masters]\nm1 ansible_host=10.0.0.10\n[nodes]\nn1 ansible_host=10.0.0.11\n');
    const out = await readEncapAddresses(
      inv,
      inv.hosts,
      () => () => {
        throw new Error('contacted');
      },
      4,
    );
    expect(out.inventory).toBe(inv);
    expect(out.connections.size).toBe(0);
  });

  test('a host that cannot be reached stops the run: exit 4, naming it', async () => {
    const inv = await load('hosts', INI);
    const err = await readEncapAddresses(
      inv,
      inv.hosts,
      () => (h) => {
        const c = new StubIp(h.name, routes[h.name] ?? '');
        if (h.name === 'n2')
          c.connect = () => Promise.reject(new UnreachableError('n2 (root@n2:22): connection refused'));
        return c;
      },
      4,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as UnreachableError).exitCode).toBe(ExitCode.unreachable);
    expect((err as Error).message).toMatch(/tunnel endpoint .*n2 \(root@n2:22\): connection refused/);
  });

  test('no route toward the first master: the host is named, and encapIp is the fix', async () => {
    const inv = await load('hosts', INI);
    const closed: string[] = [];
    const err = await readEncapAddresses(
      inv,
      inv.hosts,
      () => (h) => {
        const c = new StubIp(h.name, 'RTNETLINK answers', 2);
        c.close = async () => void closed.push(h.name);
        return c;
      },
      4,
    ).catch((e: unknown) => e);
    // A read that stops the run closes what it opened.
    expect(closed.sort()).toEqual(['n1.example.com', 'n2']);
    expect((err as Error).message).toMatch(
      /^n1\.example\.com, n2: `ip route get 10\.0\.0\.10` \(the first master, m1\) gives no source address .*encapIp/,
    );
    expect((err as { exitCode: number }).exitCode).toBe(ExitCode.hostFailed);
  });

  test('two nodes that read the same endpoint: an error naming both', async () => {
    const inv = await load('hosts', INI);
    const err = await readEncapAddresses(
      inv,
      inv.hosts,
      () => (h) => new StubIp(h.name, '10.0.0.10 dev eth0 src 10.0.0.21 uid 0'),
      4,
    ).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^n1\.example\.com and n2 both use 10\.0\.0\.21 as their tunnel endpoint/);
  });
});
