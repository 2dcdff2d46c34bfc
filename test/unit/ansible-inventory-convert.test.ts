// `ovnctl inventory --convert` writes a native inventory that loads back to the same model.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/index.js';
import { toNativeYaml } from '../../src/inventory/convert.js';
import { loadInventory, loadInventoryForm } from '../../src/inventory/load.js';
import type { Inventory } from '../../src/inventory/types.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const env = { HOME: '/home/tester', OVNCTL_K8S_TOKEN: 'spec-token-value' };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-convert-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function comparable(inv: Inventory) {
  const { file: _file, cluster, ...rest } = inv;
  return { ...rest, cluster: { ...cluster, k8sToken: cluster.k8sToken?.reveal() } };
}

describe.each(['ansible/hosts.ini', 'ansible/hosts.yml', 'ansible/kubespray.ini', 'inventories/valid-spec.yaml'])(
  '%s',
  (name) => {
    const source = path.join(fixtures, name);

    test('converted next to the source, it loads back to the same model', async () => {
      const { inventory, format, native } = await loadInventoryForm(source, { env });
      const out = path.join(path.dirname(source), `converted-${path.basename(name)}.yaml`);
      try {
        writeFileSync(out, toNativeYaml(native, { from: source, format }));
        const back = await loadInventoryForm(out, { env });
        expect(back.format).toBe('native');
        expect(comparable(back.inventory)).toEqual(comparable(inventory));
      } finally {
        rmSync(out, { force: true });
      }
    });

    test('converted into another directory, relative paths still name the same files', async () => {
      const { inventory, format, native } = await loadInventoryForm(source, { env });
      const outDir = mkdtempSync(path.join(dir, 'elsewhere-'));
      const out = path.join(outDir, 'inventory.yaml');
      writeFileSync(out, toNativeYaml(native, { from: source, format, toDir: outDir }));
      expect(comparable(await loadInventory(out, { env }))).toEqual(comparable(inventory));
    });
  },
);

test('the output is commented YAML with one host a line, and only what the source set', async () => {
  const source = path.join(fixtures, 'ansible/hosts.ini');
  const { format, native } = await loadInventoryForm(source, { env });
  const text = toNativeYaml(native, { from: source, format });
  expect(text).toMatch(/^# Written by `ovnctl inventory --convert` from hosts\.ini \(an Ansible INI inventory\)/);
  expect(text).toContain('  n1: {address: 10.0.0.11, roles: [node], ssh: {port: 2222}}\n');
  expect(text).toContain('  k8sToken: {env: OVNCTL_K8S_TOKEN}\n');
  expect(text).not.toMatch(/nbPort|datapath|python/i);
});

describe('the CLI', () => {
  let work: string;
  const stdout: string[] = [];
  beforeAll(() => {
    work = mkdtempSync(path.join(dir, 'cli-'));
    copyFileSync(path.join(fixtures, 'ansible/kubespray.ini'), path.join(work, 'hosts.ini'));
    mkdirSync(path.join(work, 'out'));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    stdout.length = 0;
    process.exitCode = undefined;
  });
  const run = async (...args: string[]) => {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await main(args);
    return { code: process.exitCode ?? 0, out: stdout.join('') };
  };

  test('--convert prints the native form; --output writes it to a file', async () => {
    const printed = await run('inventory', '-i', path.join(work, 'hosts.ini'), '--convert');
    expect(printed.code).toBe(0);
    expect(printed.out).toContain('cp1: {address: 10.0.0.10, roles: [master, node]}');
    const file = path.join(work, 'out', 'inventory.yaml');
    expect((await run('inventory', '-i', path.join(work, 'hosts.ini'), '--convert', '--output', file)).code).toBe(0);
    // Written one directory down, it names the CA directory beside the source (the default pki/) explicitly.
    expect(readFileSync(file, 'utf8')).toBe(`${printed.out}tls:\n  caDir: ../pki\n`);
  });

  test('--output without --convert, or onto the source itself, is an input error', async () => {
    expect(
      (await run('inventory', '-i', path.join(work, 'hosts.ini'), '--output', path.join(work, 'x.yaml'))).code,
    ).toBe(5);
    expect(
      (await run('inventory', '-i', path.join(work, 'hosts.ini'), '--convert', '-o', path.join(work, 'hosts.ini')))
        .code,
    ).toBe(5);
    expect(readFileSync(path.join(work, 'hosts.ini'), 'utf8')).toBe(
      readFileSync(path.join(fixtures, 'ansible/kubespray.ini'), 'utf8'),
    );
  });
});
