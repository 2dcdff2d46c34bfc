#!/usr/bin/env node
// `node bench/gre-mesh.mjs [--hosts 50] [--reruns 3]` (root, after a build): issue 17's gre-mesh at
// scale. On a lab of fresh hosts, `ovnctl gre-mesh` once (it installs Open vSwitch and makes
// n·(n−1) tunnel ports, each host's in one OVSDB transaction), then no-op reruns, each timed next to
// the ssh2 floor (target: the rerun ≤ 2× that floor), and the ssh2 floor that runs each host's own read of
// a no-op (recorded by a counted rerun, as the install bench does). Counts the ports on every host afterwards.
// Prints a summary and writes it as JSON to --out. Takes down only the lab it brought up.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { ssh2Floor, sshBase } from './lib/floor.mjs';
import { runOvnctl, runOvnctlCounted } from './lib/ovnctl.mjs';
import { cleanEnv } from './lib/process.mjs';
import { median } from './lib/stats.mjs';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '50' },
    reruns: { type: 'string', default: '3' },
    name: { type: 'string', default: 'bgm' },
    out: { type: 'string', default: '/tmp/ovnctl-bench-gre-mesh.json' },
  },
});
const hosts = Number(values.hosts);
const reruns = Number(values.reruns);
if (!Number.isInteger(hosts) || hosts < 2) throw new Error('--hosts: an integer of 2 or more');
const dir = `/var/lib/ovnctl/${values.name}-lab`;
const lab = await import(pathToFileURL(join(ROOT, 'dist/lab/index.js')).href);
const log = (s) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
const bin = join(ROOT, 'bin/ovnctl.js');
const run = (label) =>
  runOvnctl({ bin, inventory: up.inventory, work: '/tmp', forks: hosts, label, args: ['gre-mesh'] });
const changed = (r) => Object.values(r.recap.hosts).reduce((n, c) => n + c.changed, 0);
const failed = (r) => Object.values(r.recap.hosts).reduce((n, c) => n + c.failed + c.unreachable, 0);

/** Tunnel ports on br0 of every host, read over OpenSSH (not part of any timed figure). */
async function portCounts(inventory) {
  const inv = parse(readFileSync(inventory, 'utf8'));
  const counts = await Promise.all(
    Object.entries(inv.hosts).map(async ([name, h]) => {
      const r = await promisify(execFile)(
        'ssh',
        [...sshBase(inv), `${inv.ssh.user}@${h.address}`, 'ovs-vsctl --timeout=30 list-ports br0 | grep -c .'],
        { env: cleanEnv() },
      );
      return [name, Number(r.stdout.trim())];
    }),
  );
  return Object.fromEntries(counts);
}

const result = { hosts, runs: {} };
let up;
try {
  await lab.labDown({ dir });
  const t = performance.now();
  up = await lab.labUp({ name: values.name, dir, masters: 1, nodes: hosts - 1 });
  result.labUpMs = performance.now() - t;
  log(`lab up: ${up.hosts.length} hosts in ${sec(result.labUpMs)}`);

  const first = await run('gre-mesh-first');
  result.runs.first = {
    ms: first.ms,
    rc: first.rc,
    changed: changed(first),
    failed: failed(first),
    rssKb: first.peakRssKb,
  };
  log(`first gre-mesh: exit ${first.rc} in ${sec(first.ms)}, ${changed(first)} changed, ${failed(first)} failed`);
  result.runs.noop = [];
  result.ssh2FloorMs = [];
  for (let i = 0; i < reruns; i++) {
    const r = await run(`gre-mesh-noop-${i}`);
    result.runs.noop.push({ ms: r.ms, rc: r.rc, changed: changed(r), failed: failed(r), rssKb: r.peakRssKb });
    result.ssh2FloorMs.push(await ssh2Floor(up.inventory));
    log(
      `no-op gre-mesh: exit ${r.rc} in ${sec(r.ms)}, ${changed(r)} changed; ` +
        `ssh2 floor ${sec(result.ssh2FloorMs.at(-1))}`,
    );
  }
  // Unmeasured: a rerun under the round-trip counter records each host's read; the floor then runs it.
  const counted = await runOvnctlCounted({
    bin,
    inventory: up.inventory,
    work: '/tmp',
    forks: hosts,
    label: 'gre-mesh-noop-counted',
    args: ['gre-mesh'],
  });
  result.ssh2ReadFloorMs = [];
  for (let i = 0; i < reruns; i++) result.ssh2ReadFloorMs.push(await ssh2Floor(up.inventory, counted.commandsDir));
  log(`ssh2 floor with gre-mesh's read: ${result.ssh2ReadFloorMs.map(sec).join(' / ')}`);
  result.ports = await portCounts(up.inventory);
  const total = Object.values(result.ports).reduce((a, b) => a + b, 0);
  log(`ports on br0: ${total} in all (expected ${hosts * (hosts - 1)})`);
  const noop = median(result.runs.noop.map((r) => r.ms));
  const floor = median(result.ssh2FloorMs);
  result.summary = {
    firstMs: first.ms,
    noopMedianMs: noop,
    ssh2FloorMedianMs: floor,
    noopOverFloor: noop / floor,
    ssh2ReadFloorMedianMs: median(result.ssh2ReadFloorMs),
    noopOverReadFloor: noop / median(result.ssh2ReadFloorMs),
    portsTotal: total,
    portsExpected: hosts * (hosts - 1),
  };
  log(
    `no-op ÷ ssh2 floor: ${(noop / floor).toFixed(2)}× (target ≤ 2×); ÷ the floor with its read: ` +
      `${(noop / median(result.ssh2ReadFloorMs)).toFixed(2)}×`,
  );
} finally {
  await lab.labDown({ dir }).catch((e) => log(`lab down failed: ${e.message}`));
  writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
  log(`written ${values.out}`);
}
