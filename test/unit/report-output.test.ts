// An output file that cannot be written is bad input (exit 5), found before the inventory is read or
// any host is contacted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutput, reportCommand } from '../../src/app/report.js';
import { ExitCode, InputError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ovnctl-report-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('report --output', () => {
  it('accepts a new file in a writable directory', () => {
    expect(() => checkOutput(join(dir, 'report.html'))).not.toThrow();
  });

  it('refuses a directory that does not exist, with exit 5, before reading the inventory', async () => {
    const out = join(dir, 'missing', 'report.html');
    const run = reportCommand({
      inventory: join(dir, 'no-such-inventory.yaml'),
      verifyPlaybook: join(dir, 'no-such-playbook.yaml'),
      forks: 1,
      json: false,
      output: out,
    });
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toMatchObject({
      exitCode: ExitCode.invalidInput,
      message: `--output ${out}: cannot write it (ENOENT)`,
    });
  });
});
