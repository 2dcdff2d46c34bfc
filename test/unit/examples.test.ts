// The files a user copies from: inventory.schema.json is what `ovnctl schema` prints (so editors check
// against the real schema), and every example inventory loads.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { loadInventory } from '../../src/inventory/load.js';
import { inventorySchemaText } from '../../src/inventory/schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examples = path.join(root, 'examples');
const env = { ...process.env, OVNCTL_K8S_TOKEN: 'example-token' };
const inventories = [
  path.join(root, 'inventory.example.yaml'),
  ...readdirSync(examples)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => path.join(examples, f)),
];

test(
  'inventory.schema.json is what `ovnctl schema` prints ' +
    '(regenerate: node bin/ovnctl.js schema > inventory.schema.json)',
  () => {
    expect(readFileSync(path.join(root, 'inventory.schema.json'), 'utf8')).toBe(inventorySchemaText());
  },
);

describe.each(inventories.map((f) => [path.relative(root, f), f]))('%s', (_name, file) => {
  test('loads without error', async () => {
    const inv = await loadInventory(file, { env });
    expect(inv.hosts.some((h) => h.roles.includes('master'))).toBe(true);
  });

  test('starts with the yaml-language-server line naming the committed schema', () => {
    const first = readFileSync(file, 'utf8').split('\n')[0];
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(m, first).not.toBeNull();
    expect(path.resolve(path.dirname(file), m![1])).toBe(path.join(root, 'inventory.schema.json'));
  });
});

test('the example set has what the README points to', () => {
  const files = readdirSync(examples);
  expect(files).toEqual(
    expect.arrayContaining([
      'single-node.yaml',
      'three-masters.yaml',
      'air-gapped-mirror.yaml',
      'Vagrantfile',
      'github-actions.yml',
    ]),
  );
});

test('single-node has one host with both roles; three-masters has three masters', async () => {
  const single = await loadInventory(path.join(examples, 'single-node.yaml'), { env });
  expect(single.hosts.map((h) => h.roles)).toEqual([['master', 'node']]);
  const three = await loadInventory(path.join(examples, 'three-masters.yaml'), { env });
  expect(three.groups.masters).toHaveLength(3);
});

test('the Vagrantfile makes the VMs its inventory names', async () => {
  const vagrantfile = readFileSync(path.join(examples, 'Vagrantfile'), 'utf8');
  const vms = Object.fromEntries([...vagrantfile.matchAll(/^\s*'(\w+)' => '([\d.]+)'/gm)].map((m) => [m[1], m[2]]));
  const inv = await loadInventory(path.join(examples, 'vagrant-inventory.yaml'), { env });
  expect(Object.fromEntries(inv.hosts.map((h) => [h.name, h.address]))).toEqual(vms);
  expect(inv.hosts[0].ssh.privateKey).toBe(path.join(examples, '.vagrant/ovnctl_id_ed25519'));
  expect(vagrantfile).toContain("'.vagrant', 'ovnctl_id_ed25519'");
});

test('the GitHub Actions workflow is YAML whose jobs run ovnctl', () => {
  const wf = parse(readFileSync(path.join(examples, 'github-actions.yml'), 'utf8')) as {
    jobs: Record<string, { steps: { run?: string }[] }>;
  };
  const runs = (job: string) => wf.jobs[job].steps.map((s) => s.run ?? '').join('\n');
  expect(runs('lab')).toMatch(/ovnctl demo/);
  expect(runs('provision')).toMatch(/ovnctl install -i \S+ --check/);
  expect(runs('provision')).toMatch(/ovnctl verify -i/);
});

test('package.json ships the schema and the example inventory', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
  for (const f of ['inventory.schema.json', 'inventory.example.yaml']) {
    expect(pkg.files).toContain(f);
    expect(existsSync(path.join(root, f))).toBe(true);
  }
});
