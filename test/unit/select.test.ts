// --limit / --role: names, groups, globs, `!` exclusion, `&` intersection, inventory order.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseInventory } from '../../src/inventory/load.js';
import { globToRegExp, selectHosts, type Selection } from '../../src/inventory/select.js';
import type { Inventory } from '../../src/inventory/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let inv: Inventory;

beforeAll(async () => {
  inv = await parseInventory(
    path.join(here, 'select-inventory.yaml'),
    `
hosts:
  m1: {address: 10.0.0.10, roles: [master]}
  m2: {address: 10.0.0.11, roles: [master, node]}
  n1: {address: 10.0.0.21, roles: [node]}
  n2: {address: 10.0.0.22, roles: [node]}
  n10: {address: 10.0.0.30, roles: [node]}
  edge.example: {address: 10.0.0.40, roles: [node]}
groups:
  rack1: [n2, n1]
  rack2: [n10, m2]
  gpu: [n10]
`,
    { env: {} },
  );
});

const names = (sel: Selection) => selectHosts(inv, sel).map((h) => h.name);

describe('selectHosts', () => {
  test('no limit: every host, in inventory order', () => {
    expect(names({})).toEqual(['m1', 'm2', 'n1', 'n2', 'n10', 'edge.example']);
  });

  test.each<[string, string[]]>([
    ['n1', ['n1']],
    ['n2,m1', ['m1', 'n2']],
    ['n2:m1', ['m1', 'n2']],
    [' n2 , m1 ', ['m1', 'n2']],
    ['all', ['m1', 'm2', 'n1', 'n2', 'n10', 'edge.example']],
    ['masters', ['m1', 'm2']],
    ['nodes', ['m2', 'n1', 'n2', 'n10', 'edge.example']],
    ['rack1', ['n1', 'n2']],
    ['rack1,gpu', ['n1', 'n2', 'n10']],
    ['n1*', ['n1', 'n10']],
    // As in Ansible, a glob matches group names too: n* takes in the whole `nodes` group.
    ['n*', ['m2', 'n1', 'n2', 'n10', 'edge.example']],
    ['n?', ['n1', 'n2']],
    ['n[12]', ['n1', 'n2']],
    ['n[!1]', ['n2']],
    ['rack*', ['m2', 'n1', 'n2', 'n10']],
    ['*.example', ['edge.example']],
    ['edge.example', ['edge.example']],
    ['all,!masters', ['n1', 'n2', 'n10', 'edge.example']],
    ['!masters', ['n1', 'n2', 'n10', 'edge.example']],
    ['!n1,nodes', ['m2', 'n2', 'n10', 'edge.example']],
    ['nodes,!rack*', ['edge.example']],
    ['nodes,&masters', ['m2']],
    ['&rack2', ['m2', 'n10']],
    ['rack1,rack2,&nodes,!n10', ['m2', 'n1', 'n2']],
    ['n1,n1,rack1', ['n1', 'n2']],
  ])('--limit %s', (limit, expected) => {
    expect(names({ limit })).toEqual(expected);
  });

  test('--role master equals --limit masters; --role node equals nodes', () => {
    expect(names({ role: 'master' })).toEqual(names({ limit: 'masters' }));
    expect(names({ role: 'node' })).toEqual(names({ limit: 'nodes' }));
  });

  test('--limit and --role intersect', () => {
    expect(names({ limit: 'rack2', role: 'master' })).toEqual(['m2']);
    expect(names({ limit: 'n1*,m*', role: 'node' })).toEqual(['m2', 'n1', 'n10']);
  });
});

describe('no match is an input error (exit 5)', () => {
  const error = (sel: Selection): InputError => {
    try {
      selectHosts(inv, sel);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).exitCode).toBe(5);
      return e as InputError;
    }
    throw new Error('expected no match');
  };
  const known = '(known hosts: m1, m2, n1, n2, n10, edge.example, groups: all, masters, nodes, rack1, rack2, gpu)';

  test.each<[string, string]>([
    ['x', `--limit 'x' matches no host ${known}`],
    ['n1,nx', `--limit 'nx' matches no host ${known}`],
    ['z*', `--limit 'z*' matches no host ${known}`],
    ['all,!typo', `--limit '!typo' matches no host ${known}`],
    ['all,&typo', `--limit '&typo' matches no host ${known}`],
    ['N1', `--limit 'N1' matches no host ${known}`],
    ['n1,!n1', `--limit 'n1,!n1' matches no host ${known}`],
    ['gpu,&masters', `--limit 'gpu,&masters' matches no host ${known}`],
    ['!all', `--limit '!all' matches no host ${known}`],
  ])('--limit %s', (limit, message) => {
    expect(error({ limit }).message).toBe(message);
  });

  test('an empty limit', () => {
    expect(error({ limit: ' , ' }).message).toBe("--limit ' , ' names no host or group");
  });

  test('--role with a limit that leaves nothing', () => {
    expect(error({ limit: 'm1', role: 'node' }).message).toBe(`--limit 'm1' with --role node matches no host ${known}`);
  });

  test('--role node without nodes', async () => {
    const small = await parseInventory('/x/inv.yaml', 'hosts:\n  m1: {address: 10.0.0.1, roles: [master]}\n', {
      env: {},
    });
    expect(() => selectHosts(small, { role: 'node' })).toThrow(
      /^--role node matches no host \(known hosts: m1, groups: all, masters, nodes\)$/,
    );
  });

  test('an object prototype name is not a group', () => {
    expect(error({ limit: 'constructor' }).message).toMatch(/^--limit 'constructor' matches no host/);
  });

  test('errors can name the play instead of --limit', () => {
    expect(() => selectHosts(inv, { limit: 'web', limitName: 'hosts:' })).toThrow(/^hosts: 'web' matches no host/);
  });
});

describe('properties', () => {
  test('listing hosts by name selects exactly them, in inventory order', () => {
    const all = ['m1', 'm2', 'n1', 'n2', 'n10', 'edge.example'];
    fc.assert(
      fc.property(fc.shuffledSubarray(all, { minLength: 1 }), (picked) => {
        expect(names({ limit: picked.join(',') })).toEqual(all.filter((n) => picked.includes(n)));
      }),
    );
  });

  test('all,!x is everything but x', () => {
    const all = ['m1', 'm2', 'n1', 'n2', 'n10', 'edge.example'];
    fc.assert(
      fc.property(fc.constantFrom(...all), (x) => {
        expect(names({ limit: `all,!${x}` })).toEqual(all.filter((n) => n !== x));
      }),
    );
  });
});

test.each<[string, string, boolean]>([
  ['n*', 'n10', true],
  ['n?', 'n10', false],
  ['a.b', 'a.b', true],
  ['a.b', 'axb', false],
  ['[a-c]x', 'bx', true],
  ['[!a-c]x', 'bx', false],
  ['(x)+', '(x)+', true],
  ['[', '[', true],
])('glob %s on %s → %s', (glob, name, ok) => {
  expect(globToRegExp(glob).test(name)).toBe(ok);
});
