// The npm package works once installed: `npm pack`, `npm install -g` of the tarball into a temporary
// prefix, then the installed `ovnctl` runs. Needs the built dist/ (`npm test` builds first) and npm.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inventorySchemaText } from '../../src/inventory/schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };

function npmAvailable(): boolean {
  try {
    execFileSync('npm', ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        cwd: opts.cwd,
        env: { ...process.env, NO_COLOR: '1', ...opts.env },
        timeout: opts.timeoutMs,
        maxBuffer: 32 << 20,
      },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// npm's own noise (config warnings) is not the package's business; fields must not depend on it.
const npmEnv = { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

describe.skipIf(!npmAvailable())('the npm package', () => {
  let tmp: string;
  let packed: { filename: string; files: { path: string }[] };
  let bin: string;
  let installedRoot: string;

  beforeAll(async () => {
    if (!existsSync(path.join(root, 'dist/ovnctl/main.js')))
      throw new Error('dist/ is not built: run `npm run build` (npm test does)');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-pack-'));
    // --ignore-scripts: `prepare` would rebuild dist/ under the feet of tests running beside this one.
    const pack = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], {
      cwd: root,
      env: npmEnv,
      timeoutMs: 120_000,
    });
    if (pack.code !== 0) throw new Error(`npm pack failed (${pack.code}): ${pack.stderr}`);
    packed = (JSON.parse(pack.stdout) as (typeof packed)[])[0];
    const prefix = path.join(tmp, 'prefix');
    // The dependencies come from npm's cache when they are there, else from the registry.
    const install = await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        path.join(tmp, packed.filename),
      ],
      {
        cwd: tmp,
        env: npmEnv,
        timeoutMs: 420_000,
      },
    );
    if (install.code !== 0)
      throw new Error(`npm install -g of the tarball failed (${install.code}): ${install.stderr}`);
    bin = path.join(prefix, 'bin', 'ovnctl');
    installedRoot = path.join(prefix, 'lib', 'node_modules', pkg.name);
  }, 600_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('the tarball holds what the CLI reads at run time, and no tests or sources', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of [
      'bin/ovnctl.js',
      'dist/ovnctl/main.js',
      'playbooks/install.yaml',
      'playbooks/verify.yaml',
      'src/lab/ovnkube-recorder.sh',
      'inventory.example.yaml',
      'inventory.schema.json',
      'CHANGELOG.md',
      'package.json',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('test/') || (f.startsWith('src/') && f.endsWith('.ts')))).toEqual([]);
  });

  test('the installed ovnctl prints its help and version', async () => {
    const help = await run(bin, ['--help'], { timeoutMs: 60_000 });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/ovnctl install/);
    expect(help.stdout).toMatch(/ovnctl completion/);
    const version = await run(bin, ['--version'], { timeoutMs: 60_000 });
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  test('the installed ovnctl prints the schema, the same as the committed one', async () => {
    const schema = await run(bin, ['schema'], { timeoutMs: 60_000 });
    expect(schema.code, schema.stderr).toBe(0);
    expect(schema.stdout).toBe(inventorySchemaText());
  });

  test('the installed ovnctl loads the example inventory it ships', async () => {
    const example = path.join(installedRoot, 'inventory.example.yaml');
    const shown = await run(bin, ['inventory', '-i', example, '--json'], {
      env: { OVNCTL_K8S_TOKEN: 'example-token-value' },
      timeoutMs: 60_000,
    });
    expect(shown.code, shown.stderr).toBe(0);
    expect(Object.keys((JSON.parse(shown.stdout) as { hosts: object }).hosts)).toEqual(['master1', 'node1', 'node2']);
    // The YAML view too: the bundle must carry every dependency a command loads (yaml's stringify here).
    const yamlView = await run(bin, ['inventory', '-i', example], {
      env: { OVNCTL_K8S_TOKEN: 'example-token-value' },
      timeoutMs: 60_000,
    });
    expect(yamlView.code, yamlView.stderr).toBe(0);
    expect(yamlView.stdout).toMatch(/^hosts:\n {2}master1:\n {4}address: 10\.0\.0\.10$/m);
  });
});
