// An even number of masters is valid but unwise: `ovnctl inventory` and `ovnctl install` say so (stderr;
// a `warning` event in --json, the SPEC's task and recap events unchanged), and go on. Through the real
// CLI (bin/ovnctl.js, so `npm run build` first). The hosts are loopback ports nothing listens on.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ovnctl } from '../helpers/cli.js';

let dir: string;
let twoMasters: string;
let threeMasters: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ovnctl-warn-'));
  const hosts = (n: number) =>
    Array.from({ length: n }, (_, i) => `  m${i + 1}: {address: 127.0.0.1, roles: [master], ssh: {port: ${i + 1}}}`);
  const write = (name: string, n: number) => {
    const file = join(dir, name);
    writeFileSync(file, `ssh: {connectTimeout: 2}\nhosts:\n${hosts(n).join('\n')}\n`);
    return file;
  };
  twoMasters = write('two.yaml', 2);
  threeMasters = write('three.yaml', 3);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('ovnctl inventory warns on stderr about 2 masters, prints the inventory, exit 0', async () => {
  const r = await ovnctl(['inventory', '-i', twoMasters]);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/^ovnctl: warning: 2 masters: the NB\/SB RAFT clusters tolerate 0 failed masters/m);
  expect(r.stdout).toMatch(/bootstrapMaster: m1/);
  const odd = await ovnctl(['inventory', '-i', threeMasters]);
  expect(odd.stderr).toBe('');
});

test('ovnctl install --json: a warning event first, then the usual events', async () => {
  const r = await ovnctl(['install', '-i', twoMasters, '--json'], { timeoutMs: 60_000 });
  const events = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; msg?: string });
  expect(events[0]).toEqual({ type: 'warning', msg: expect.stringMatching(/^2 masters: /) });
  expect(events.at(-1)?.type).toBe('recap');
  expect(r.code).toBe(4); // nothing listens there: unreachable
});
