#!/usr/bin/env node
// `node bench/small.mjs [--nodes 2] [--rounds 6]` (root, after a build): issue 17's small size. On a lab of
// 1 master + N nodes, `ovnctl install` once, then rounds that alternate, in this order, the no-op rerun,
// the ssh2 floor (`true` on every host) and the ssh2 floor that runs each host's recorded no-op read;
// medians of each, the run's own time (the recap's durationMs) and `ovnctl --version` (start-up alone).
// Target: the no-op ≤ 1.5× the ssh2 floor at 3 hosts. Writes JSON to --out; takes down only its lab.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ssh2Floor } from './lib/floor.mjs';
import { runOvnctl, runOvnctlCounted } from './lib/ovnctl.mjs';
import { cleanEnv, timed } from './lib/process.mjs';
import { median } from './lib/stats.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '6' },
    name: { type: 'string', default: 'bsm' },
    out: { type: 'string', default: '/tmp/ovnctl-bench-small.json' },
  },
});
const nodes = Number(values.nodes);
const rounds = Number(values.rounds);
if (!Number.isInteger(nodes) || nodes < 1) throw new Error('--nodes: an integer of 1 or more');
const dir = `/var/lib/ovnctl/${values.name}-lab`;
const lab = await import(pathToFileURL(join(ROOT, 'dist/lab/index.js')).href);
const log = (s) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const sec = (ms) => `${(ms / 1000).toFixed(3)} s`;
const bin = join(ROOT, 'bin/ovnctl.js');
const hosts = nodes + 1;
const install = (label) => runOvnctl({ bin, inventory: up.inventory, work: '/tmp', forks: hosts, label });

const result = { hosts, rounds, noopMs: [], runMs: [], ssh2FloorMs: [], ssh2ReadFloorMs: [], versionMs: [] };
let up;
try {
  await lab.labDown({ dir });
  up = await lab.labUp({ name: values.name, dir, masters: 1, nodes });
  const first = await install('small-first');
  log(`first install: exit ${first.rc} in ${sec(first.ms)}`);
  if (first.rc !== 0) throw new Error('the first install failed');
  // Unmeasured: records each host's no-op read for the read floor.
  const counted = await runOvnctlCounted({
    bin,
    inventory: up.inventory,
    work: '/tmp',
    forks: hosts,
    label: 'small-c',
  });
  for (let i = 0; i < rounds; i++) {
    const r = await install(`small-noop-${i}`);
    const changed = Object.values(r.recap.hosts).reduce((n, c) => n + c.changed + c.failed, 0);
    if (r.rc !== 0 || changed !== 0) throw new Error(`no-op ${i}: exit ${r.rc}, ${changed} changed or failed`);
    result.noopMs.push(r.ms);
    result.runMs.push(r.recap.durationMs);
    result.ssh2FloorMs.push(await ssh2Floor(up.inventory));
    result.ssh2ReadFloorMs.push(await ssh2Floor(up.inventory, counted.commandsDir));
    const v = await timed(process.execPath, [bin, '--version'], { env: cleanEnv(), out: '/dev/null', cwd: '/tmp' });
    result.versionMs.push(v.ms);
    log(
      `round ${i + 1}: no-op ${sec(r.ms)} (run ${sec(r.recap.durationMs)}), ssh2 floor ` +
        `${sec(result.ssh2FloorMs.at(-1))}, with the read ${sec(result.ssh2ReadFloorMs.at(-1))}, ` +
        `--version ${sec(v.ms)}`,
    );
  }
  const m = (k) => median(result[k]);
  result.summary = {
    noopMs: m('noopMs'),
    runMs: m('runMs'),
    ssh2FloorMs: m('ssh2FloorMs'),
    ssh2ReadFloorMs: m('ssh2ReadFloorMs'),
    versionMs: m('versionMs'),
    noopOverFloor: m('noopMs') / m('ssh2FloorMs'),
    noopOverReadFloor: m('noopMs') / m('ssh2ReadFloorMs'),
  };
  log(
    `medians: no-op ${sec(m('noopMs'))} = ${result.summary.noopOverFloor.toFixed(2)}× the ssh2 floor ` +
      `${sec(m('ssh2FloorMs'))} (target ≤ 1.5×), ${result.summary.noopOverReadFloor.toFixed(2)}× the floor with ` +
      `its read ${sec(m('ssh2ReadFloorMs'))}; the run itself ${sec(m('runMs'))}; --version ${sec(m('versionMs'))}`,
  );
} finally {
  await lab.labDown({ dir }).catch((e) => log(`lab down failed: ${e.message}`));
  writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
  log(`written ${values.out}`);
}
