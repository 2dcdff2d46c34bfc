#!/usr/bin/env node
// `npm run bench [-- --sizes 2,10,3m10,30 --runs 5]`: ovnctl vs Ansible on identical lab clusters, and
// the SSH floor (issue 6); a size is k nodes with 1 master (or --masters), or M masters + k nodes as
// `Mm<k>` (issue 14). Needs root (the lab) and a build (dist/); writes bench/RESULTS.md and
// bench/results.json next to it. Every lab it brings up goes down again, also on failure or Ctrl-C.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freemem, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ansibleVersion, closeControlMasters, ensureTools, runAnsible, writeAnsibleInventory } from './lib/ansible.mjs';
import { onEveryHost, ssh2Floor, sshFloor } from './lib/floor.mjs';
import { down, downAll, up, useLabModule } from './lib/labs.mjs';
import { describeMachine } from './lib/machine.mjs';
import { runOvnctl, runOvnctlCounted } from './lib/ovnctl.mjs';
import { renderResults, sizeKey, sizeLabel, summarize } from './lib/report.mjs';
import { stopChildren } from './lib/process.mjs';
import { snapshotBuild } from './lib/snapshot.mjs';
import { aptFloorMs, changedCount, failedCount, median } from './lib/stats.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '2,10,3m10,30' },
    masters: { type: 'string', default: '1' },
    runs: { type: 'string', default: '5' },
    out: { type: 'string', default: join(HERE, 'RESULTS.md') },
    keep: { type: 'boolean', default: false },
    'one-lab': { type: 'boolean', default: false },
    'ansible-max-hosts': { type: 'string', default: '1000' },
    render: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'npm run bench -- [--sizes 2,10,3m10,30] [--masters 1] [--runs 5] [--out bench/RESULTS.md] [--keep (the logs)]',
  );
  console.log('  --one-lab: both tools take turns on one lab (Ansible after a purge); the default when two do not fit');
  console.log('  --ansible-max-hosts N: sizes above N hosts measure ovnctl and the floors only (Ansible: —)');
  console.log(
    '  --sizes: node counts; `3m10` is 3 masters + 10 nodes; a plain count gets --masters masters (default 1)',
  );
  console.log('  results.json is written next to --out');
  console.log(
    'node bench/run.mjs --render bench/results.json [--out bench/RESULTS.md]   (rewrite the report, no measuring)',
  );
  process.exit(0);
}
/**
 * The sections of the existing report written by hand (a `## ` section whose text starts "Added by
 * hand"), to the end of the file: every rewrite keeps them after the generated ones.
 */
const handWritten = (() => {
  const old = existsSync(values.out) ? readFileSync(values.out, 'utf8') : '';
  const at = old.search(/^## [^\n]*\n\nAdded by hand/m);
  return at < 0 ? '' : `\n${old.slice(at)}`;
})();
const writeReport = (text) => writeFileSync(values.out, text + handWritten);

if (values.render) {
  const saved = JSON.parse(readFileSync(values.render, 'utf8'));
  // Runs of before issue 14 have no masters field: they were all 1 master.
  const sums = [...new Set(saved.runs.map(sizeKey))].map((key) =>
    summarize(saved.runs.filter((r) => sizeKey(r) === key)),
  );
  writeReport(
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
const defaultMasters = Number(values.masters);
/** `10` → {masters: --masters, k: 10}; `3m10` → {masters: 3, k: 10}; null when malformed. */
const parseSize = (text) => {
  const m = /^(?:(\d+)m)?(\d+)$/.exec(text.trim());
  return m ? { masters: m[1] == null ? defaultMasters : Number(m[1]), k: Number(m[2]) } : null;
};
const parsed = values.sizes.split(',').map(parseSize);
const runs = Number(values.runs);
const ansibleMaxHosts = Number(values['ansible-max-hosts']);
/** Up to 201 hosts (issue 17): about 70 MB a lab host; a size brings up two labs of it when they fit. */
const sizeOk = (z) => z && z.masters >= 1 && z.masters <= 9 && z.k >= 1 && z.masters + z.k <= 201;
if (
  !(defaultMasters >= 1 && defaultMasters <= 9) ||
  !Number.isInteger(defaultMasters) ||
  !parsed.every(sizeOk) ||
  !Number.isInteger(runs) ||
  runs < 1
) {
  console.error(
    '--sizes: comma-separated node counts, each optionally with its masters as `3m10` ' +
      '(1 to 9 masters, at most 201 hosts); --masters: 1 to 9; --runs: a whole number ≥ 1',
  );
  process.exit(5);
}
/** Each size once, in the order given. */
const sizes = [...new Map(parsed.map((z) => [sizeKey(z), z])).values()];

mkdirSync(dirname(values.out), { recursive: true });
const t0 = Date.now();
const log = (msg) => process.stderr.write(`[bench +${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}\n`);
const work = mkdtempSync('/tmp/ovnctl-bench-');
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
/** Unmeasured reruns allowed to bring a lab to the installed state after a failed first run. */
const CONVERGE_TRIES = 3;

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: ending the running programs and taking the bench's labs down`);
    stopChildren();
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

function roundTripsText(perHost) {
  if (!perHost) return 'not counted (no figures written)';
  const rows = Object.values(perHost);
  const span = (f) => `${Math.min(...rows.map(f))}–${Math.max(...rows.map(f))}`;
  const locks = span((c) => c.locks ?? 0);
  const counts = `connects ${span((c) => c.connects)}, execs ${span((c) => c.execs)}, run locks ${locks}`;
  return `${rows.length} hosts, ${counts} per host`;
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

/** A lab host with OVS and OVN running, in MB (README "The lab"), with some room. */
const LAB_HOST_MB = 80;

/**
 * Two labs of `hosts` do not fit in memory (201 hosts: about 32 GB): then both tools take turns on one
 * lab, ovnctl first, and Ansible's first run starts from the same hosts purged (`ovnctl uninstall
 * --purge`) and with apt's cache emptied, so it downloads as ovnctl's did.
 */
const oneLabFor = (hosts) => values['one-lab'] || 2 * hosts * LAB_HOST_MB * 2 ** 20 > 0.8 * freemem();

async function measureRun(build, { masters, k }, i) {
  const hosts = masters + k;
  const oneLab = oneLabFor(hosts);
  // Lab names of 1 master as before issue 14 (bo10); several masters: bo3m10.
  const tag = masters === 1 ? `${k}` : `${masters}m${k}`;
  const dir = join(work, `k${tag}-run${i}`);
  mkdirSync(dir, { recursive: true });
  const labs = { o: { name: `bo${tag}`, dir: join(dir, 'lab-o') }, a: { name: `ba${tag}`, dir: join(dir, 'lab-a') } };
  const aWork = join(dir, 'ansible');
  try {
    const tUp = Date.now();
    const o = await up({ ...labs.o, masters, nodes: k });
    const labUpMs = Date.now() - tUp;
    log(`  lab up (${hosts} hosts) ${sec(labUpMs)}${oneLab ? '; one lab for both tools (two do not fit)' : ''}`);
    const a = oneLab || hosts > ansibleMaxHosts ? o : await up({ ...labs.a, masters, nodes: k });
    const aInv = writeAnsibleInventory(a.inventory, aWork);
    const load = loadavg()[0];
    const ovnctl = (label, args) =>
      runOvnctl({ bin: build.bin, inventory: o.inventory, work: dir, forks: hosts, label, args });
    const ansible = (label) => runAnsible({ inventory: aInv, work: aWork, forks: hosts, label });

    const of = await ovnctl('ovnctl-first');
    const ofo = outcome('ovnctl first install', of);
    log(`  ovnctl first install ${sec(of.ms)}`);
    const oRepairs = await converge('ovnctl install', ofo, (t) => ovnctl(`ovnctl-converge${t}`));
    const on = await ovnctl('ovnctl-noop');
    const ono = outcome('ovnctl no-op rerun', on);
    log(`  ovnctl no-op ${sec(on.ms)}`);
    // Unmeasured: the same rerun again under the round-trip counter (one connect, one exec per host?).
    const oc = await runOvnctlCounted({
      bin: build.bin,
      inventory: o.inventory,
      work: dir,
      forks: hosts,
      label: 'ovnctl-noop-counted',
    });
    const counted = { ...outcome('ovnctl counted no-op rerun', oc), perHost: oc.roundTrips };
    log(`  ovnctl no-op round trips: ${roundTripsText(oc.roundTrips)}`);
    const floors = [];
    for (let j = 0; j < 3; j++) floors.push(await sshFloor(o.inventory));
    log(`  SSH floor ${sec(median(floors))}`);
    const floors2 = [];
    for (let j = 0; j < 3; j++) floors2.push(await ssh2Floor(o.inventory));
    log(`  ssh2 floor ${sec(median(floors2))}`);
    const readFloors = [];
    for (let j = 0; j < 3; j++) readFloors.push(await ssh2Floor(o.inventory, oc.commandsDir));
    log(`  ssh2 floor with ovnctl's read ${sec(median(readFloors))}`);
    // The read-only commands (issue 17: each ≤ 1.5× the ssh2 floor at 201 hosts), once each.
    const readOnly = {};
    for (const cmd of ['verify', 'facts']) {
      const r = await ovnctl(`ovnctl-${cmd}`, [cmd]);
      readOnly[cmd] = { ms: r.ms, rc: r.rc, peakRssKb: r.peakRssKb };
      log(`  ovnctl ${cmd} ${sec(r.ms)} (exit ${r.rc})`);
    }
    const result = {
      masters,
      k,
      run: i,
      load1: load,
      oneLab,
      ovnctl: {
        first: { ...ofo, aptMs: aptFloorMs(of.tasks), recapMs: of.recap?.durationMs, repairRuns: oRepairs },
        noop: { ...ono, recapMs: on.recap?.durationMs },
        noopRoundTrips: counted,
        ...readOnly,
      },
      floorMs: median(floors),
      floorSamplesMs: floors,
      ssh2FloorMs: median(floors2),
      ssh2FloorSamplesMs: floors2,
      ssh2ReadFloorMs: median(readFloors),
      labUpMs,
    };

    if (hosts > ansibleMaxHosts) {
      log(`  Ansible not run: ${hosts} hosts > --ansible-max-hosts ${ansibleMaxHosts}`);
      return { ...result, ansible: null };
    }
    if (oneLab) {
      const purge = await ovnctl('ovnctl-purge', ['uninstall', '--purge']);
      if (purge.rc !== 0) throw new Error(`ovnctl uninstall --purge before Ansible's turn: exit ${purge.rc}`);
      await onEveryHost(o.inventory, 'apt-get clean');
      log(`  purged for Ansible's turn in ${sec(purge.ms)}`);
    }
    const af = await ansible('first');
    const afo = outcome('Ansible first run', af);
    log(`  Ansible first run ${sec(af.ms)}`);
    const aRepairs = await converge('ansible-playbook', afo, (t) => ansible(`converge${t}`));
    const an = await ansible('noop');
    const ano = outcome('Ansible no-op rerun', an);
    closeControlMasters(aWork);
    const ac = await ansible('noop-cold');
    const aco = outcome('Ansible cold no-op rerun', ac);
    closeControlMasters(aWork);
    log(`  Ansible no-op ${sec(an.ms)} (cold ${sec(ac.ms)})`);
    return {
      ...result,
      ansible: { first: { ...afo, aptMs: aptFloorMs(af.tasks), repairRuns: aRepairs }, noop: ano, noopCold: aco },
    };
  } finally {
    closeControlMasters(aWork);
    for (const l of oneLab ? [labs.o] : [labs.o, labs.a]) {
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
  const opts = { sizes: sizes.map(sizeLabel), runs };
  log(`work dir ${work}; measuring ovnctl ${build.revision}; sizes ${opts.sizes.join(',')}, ${runs} run(s) each`);
  for (const size of sizes) {
    for (let i = 1; i <= runs; i++) {
      const plural = (n, what) => `${n} ${what}${n === 1 ? '' : 's'}`;
      log(`${plural(size.masters, 'master')} + ${plural(size.k, 'node')}, run ${i}/${runs}`);
      all.push(await measureRun(build, size, i));
      // Written after every run, so a long bench that stops later still leaves its figures.
      const done = [...new Set(all.map(sizeKey))];
      const sums = done.map((key) => summarize(all.filter((r) => sizeKey(r) === key)));
      const minutes = (Date.now() - t0) / 60000;
      writeReport(renderResults({ machine, sums, opts, startedAt, minutes }));
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
