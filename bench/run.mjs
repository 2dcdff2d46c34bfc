#!/usr/bin/env node
// `npm run bench [-- --sizes 2,10,30 --runs 5]`: ovnctl vs Ansible on identical lab clusters, and
// the SSH floor (issue 6). Needs root (the lab) and a build (dist/); writes bench/RESULTS.md and
// bench/results.json. Every lab it brings up goes down again, also on failure or Ctrl-C.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ansibleVersion, closeControlMasters, ensureTools, runAnsible, writeAnsibleInventory } from './lib/ansible.mjs';
import { sshFloor } from './lib/floor.mjs';
import { down, downAll, up, useLabModule } from './lib/labs.mjs';
import { describeMachine } from './lib/machine.mjs';
import { runOvnctl } from './lib/ovnctl.mjs';
import { renderResults, summarize } from './lib/report.mjs';
import { snapshotBuild } from './lib/snapshot.mjs';
import { aptFloorMs, changedCount, failedCount, median } from './lib/stats.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '2,10,30' },
    runs: { type: 'string', default: '5' },
    out: { type: 'string', default: join(HERE, 'RESULTS.md') },
    keep: { type: 'boolean', default: false },
    render: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('npm run bench -- [--sizes 2,10,30] [--runs 5] [--out bench/RESULTS.md] [--keep (the logs)]');
  console.log(
    'node bench/run.mjs --render bench/results.json [--out bench/RESULTS.md]   (rewrite the report, no measuring)',
  );
  process.exit(0);
}
if (values.render) {
  const saved = JSON.parse(readFileSync(values.render, 'utf8'));
  const sums = [...new Set(saved.runs.map((r) => r.k))].map((k) =>
    summarize(
      k,
      saved.runs.filter((r) => r.k === k),
    ),
  );
  writeFileSync(
    values.out,
    renderResults({
      machine: saved.machine,
      sums,
      opts: saved.opts,
      startedAt: saved.startedAt,
      minutes: saved.minutes ?? 0,
    }),
  );
  process.exit(0);
}
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
if (!sizes.every((k) => Number.isInteger(k) && k >= 1 && k <= 49) || !Number.isInteger(runs) || runs < 1) {
  console.error('--sizes: node counts from 1 to 49, comma-separated; --runs: a whole number ≥ 1');
  process.exit(5);
}

const t0 = Date.now();
const log = (msg) => process.stderr.write(`[bench +${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}\n`);
const work = mkdtempSync('/tmp/ovnctl-bench-');
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
/** Unmeasured reruns allowed to bring a lab to the installed state after a failed first run. */
const CONVERGE_TRIES = 3;

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: taking the bench's labs down`);
    downAll(log).finally(() => process.exit(130));
  });
}

/** The figures of one tool run, failures included: a failed host is a result, not a crash. */
function outcome(what, r) {
  const failed = failedCount(r.tasks);
  const failedHosts = new Set(
    r.tasks.filter((t) => t.status === 'failed' || t.status === 'unreachable').map((t) => t.host),
  ).size;
  const changed = changedCount(r.tasks);
  if (r.rc !== 0 || failed > 0)
    log(`  warning: ${what} exit ${r.rc}, ${failed} failed tasks on ${failedHosts} hosts (logs in ${work})`);
  return {
    ms: r.ms,
    rc: r.rc,
    peakRssKb: r.peakRssKb,
    changed,
    failedTasks: failed,
    failedHosts,
    ok: r.rc === 0 && failed === 0,
  };
}

/** Rerun (unmeasured) until a run succeeds, so the no-op rerun starts from an installed cluster. */
async function converge(what, first, again) {
  let tries = 0;
  for (let ok = first.ok; !ok; ) {
    if (++tries > CONVERGE_TRIES)
      throw new Error(`${what} did not succeed in ${CONVERGE_TRIES} more runs: see the logs in ${work}`);
    const r = await again(tries);
    ok = r.rc === 0 && failedCount(r.tasks) === 0;
  }
  return tries;
}

async function measureRun(build, k, i) {
  const hosts = k + 1;
  const dir = join(work, `k${k}-run${i}`);
  mkdirSync(dir, { recursive: true });
  const labs = { o: { name: `bo${k}`, dir: join(dir, 'lab-o') }, a: { name: `ba${k}`, dir: join(dir, 'lab-a') } };
  const aWork = join(dir, 'ansible');
  try {
    const o = await up({ ...labs.o, nodes: k });
    const a = await up({ ...labs.a, nodes: k });
    const aInv = writeAnsibleInventory(a.inventory, aWork);
    const load = loadavg()[0];
    const ovnctl = (label) => runOvnctl({ bin: build.bin, inventory: o.inventory, work: dir, forks: hosts, label });
    const ansible = (label) => runAnsible({ inventory: aInv, work: aWork, forks: hosts, label });

    const of = await ovnctl('ovnctl-first');
    const ofo = outcome('ovnctl first install', of);
    log(`  ovnctl first install ${sec(of.ms)}`);
    const af = await ansible('first');
    const afo = outcome('Ansible first run', af);
    log(`  Ansible first run ${sec(af.ms)}`);
    const oRepairs = await converge('ovnctl install', ofo, (t) => ovnctl(`ovnctl-converge${t}`));
    const aRepairs = await converge('ansible-playbook', afo, (t) => ansible(`converge${t}`));
    const on = await ovnctl('ovnctl-noop');
    const ono = outcome('ovnctl no-op rerun', on);
    log(`  ovnctl no-op ${sec(on.ms)}`);
    const an = await ansible('noop');
    const ano = outcome('Ansible no-op rerun', an);
    closeControlMasters(aWork);
    const ac = await ansible('noop-cold');
    const aco = outcome('Ansible cold no-op rerun', ac);
    closeControlMasters(aWork);
    log(`  Ansible no-op ${sec(an.ms)} (cold ${sec(ac.ms)})`);
    const floors = [];
    for (let j = 0; j < 3; j++) floors.push(await sshFloor(o.inventory));
    log(`  SSH floor ${sec(median(floors))}`);
    return {
      k,
      run: i,
      load1: load,
      ovnctl: {
        first: { ...ofo, aptMs: aptFloorMs(of.tasks), recapMs: of.recap?.durationMs, repairRuns: oRepairs },
        noop: { ...ono, recapMs: on.recap?.durationMs },
      },
      ansible: { first: { ...afo, aptMs: aptFloorMs(af.tasks), repairRuns: aRepairs }, noop: ano, noopCold: aco },
      floorMs: median(floors),
      floorSamplesMs: floors,
    };
  } finally {
    closeControlMasters(aWork);
    for (const l of [labs.o, labs.a]) {
      try {
        await down(l.dir);
      } catch (e) {
        log(`lab down ${l.dir} failed: ${e.message}`);
      }
    }
  }
}

async function main() {
  ensureTools(log);
  const build = snapshotBuild(work);
  await useLabModule(build.labModule);
  const machine = { ...describeMachine(ansibleVersion()), ovnctl: build.revision };
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const all = [];
  log(`work dir ${work}; measuring ovnctl ${build.revision}; sizes ${sizes.join(',')}, ${runs} run(s) each`);
  const opts = { sizes, runs };
  for (const k of sizes) {
    for (let i = 1; i <= runs; i++) {
      log(`1 master + ${k} nodes, run ${i}/${runs}`);
      all.push(await measureRun(build, k, i));
      // Written after every run, so a long bench that stops later still leaves its figures.
      const done = [...new Set(all.map((r) => r.k))];
      const sums = done.map((size) =>
        summarize(
          size,
          all.filter((r) => r.k === size),
        ),
      );
      const minutes = (Date.now() - t0) / 60000;
      writeFileSync(values.out, renderResults({ machine, sums, opts, startedAt, minutes }));
      writeFileSync(
        join(dirname(values.out), 'results.json'),
        JSON.stringify({ machine, startedAt, minutes, opts, summaries: sums, runs: all }, null, 1) + '\n',
      );
    }
    log(`wrote ${values.out}`);
  }
}

try {
  await main();
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else log(`logs kept in ${work}`);
} catch (e) {
  log(`failed: ${e.message} (logs kept in ${work})`);
  process.exitCode = 1;
} finally {
  await downAll(log);
}
