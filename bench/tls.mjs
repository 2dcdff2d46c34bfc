// `npm run build && node bench/tls.mjs [--nodes 10] [--masters 1] [--rounds 3]`: what TLS costs (issue
// 15). Each round brings up two fresh labs of the same size and installs both at once, one plaintext and
// one with tls.enabled, so both share the machine's load; then no-op reruns of the two alternate, and one
// more of each runs under the round-trip counter (connects and execs per host). Prints a Markdown table
// for bench/RESULTS.md. Only the labs this script brought up are taken down.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { down, downAll, up, useLabModule } from './lib/labs.mjs';
import { runOvnctl, runOvnctlCounted } from './lib/ovnctl.mjs';
import { snapshotBuild } from './lib/snapshot.mjs';
import { median } from './lib/stats.mjs';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '10' },
    masters: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    noops: { type: 'string', default: '5' },
  },
});
const [nodes, masters, rounds, noops] = ['nodes', 'masters', 'rounds', 'noops'].map((k) => Number(values[k]));
const work = mkdtempSync(join(tmpdir(), 'ovnctl-bench-tls-'));
const log = (m) => process.stderr.write(`${m}\n`);
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** The lab's inventory with TLS on, its CA in the work dir. */
function withTls(inventory, name) {
  const inv = parse(readFileSync(inventory, 'utf8'));
  inv.tls = { enabled: true, caDir: join(work, `${name}-pki`) };
  const file = join(work, `${name}-tls.yaml`);
  writeFileSync(file, stringify(inv));
  return file;
}

function ok(what, r) {
  if (r.rc !== 0) throw new Error(`${what} exited ${r.rc}: see ${work}`);
  return r;
}

/** Distinct per-host counts: e.g. "1 connect + 1 exec on all 11 hosts". */
function roundTrips(counts) {
  const kinds = new Map();
  for (const c of Object.values(counts ?? {})) {
    const k = `${c.connects} connect + ${c.execs} exec`;
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  return [...kinds].map(([k, n]) => `${k} on ${n} hosts`).join(', ') || 'not counted';
}

async function round(build, i) {
  const hosts = masters + nodes;
  const p = await up({ name: `tp${i}`, dir: join(work, `lab-plain-${i}`), masters, nodes });
  const t = await up({ name: `tt${i}`, dir: join(work, `lab-tls-${i}`), masters, nodes });
  try {
    const tlsInv = withTls(t.inventory, `r${i}`);
    const run = (inventory, label) => runOvnctl({ bin: build.bin, inventory, work, forks: hosts, label });
    const load = loadavg()[0];
    const [pf, tf] = await Promise.all([run(p.inventory, `plain-first-${i}`), run(tlsInv, `tls-first-${i}`)]);
    ok('plain first install', pf);
    ok('TLS first install', tf);
    log(`round ${i}: first install plain ${sec(pf.ms)}, TLS ${sec(tf.ms)} (load ${load.toFixed(1)})`);
    const pn = [];
    const tn = [];
    for (let j = 0; j < noops; j++) {
      pn.push(ok('plain no-op', await run(p.inventory, `plain-noop-${i}-${j}`)).ms);
      tn.push(ok('TLS no-op', await run(tlsInv, `tls-noop-${i}-${j}`)).ms);
    }
    const counted = (inventory, label) =>
      runOvnctlCounted({ bin: build.bin, inventory, work, forks: hosts, label }).then((r) => ok(label, r).roundTrips);
    return {
      load,
      first: { plain: pf.ms, tls: tf.ms },
      noop: { plain: median(pn), tls: median(tn) },
      trips: {
        plain: roundTrips(await counted(p.inventory, `plain-count-${i}`)),
        tls: roundTrips(await counted(tlsInv, `tls-count-${i}`)),
      },
    };
  } finally {
    await down(p.dir);
    await down(t.dir);
  }
}

async function main() {
  const build = snapshotBuild(work);
  await useLabModule(build.labModule);
  log(`work dir ${work}; ${masters} master(s) + ${nodes} nodes, ${rounds} round(s), ${noops} no-op pairs each`);
  const rows = [];
  for (let i = 1; i <= rounds; i++) rows.push(await round(build, i));
  const m = (f) => median(rows.map(f));
  const row = (what, pick) => {
    const [pl, tl] = [m((r) => pick(r).plain), m((r) => pick(r).tls)];
    return `| ${what} | ${sec(pl)} | ${sec(tl)} | ${(tl / pl).toFixed(2)}× |`;
  };
  const each = rows.map(
    (r, i) =>
      `${i + 1}: first ${sec(r.first.plain)} / ${sec(r.first.tls)}, ` +
      `no-op ${sec(r.noop.plain)} / ${sec(r.noop.tls)}, load ${r.load.toFixed(1)}`,
  );
  const lines = [
    `TLS next to plaintext, ${masters} master(s) + ${nodes} nodes (${build.revision}; ${rounds} rounds, ` +
      'two fresh labs installed at once per round):',
    '',
    '| | plaintext | TLS | TLS ÷ plaintext |',
    '| --- | ---: | ---: | ---: |',
    row('first install (median)', (r) => r.first),
    row("no-op rerun (median of the rounds' medians)", (r) => r.noop),
    `| no-op round trips | ${rows[0].trips.plain} | ${rows[0].trips.tls} | |`,
    '',
    `Rounds (plaintext / TLS): ${each.join('; ')}.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const stop = () => downAll(log).finally(() => process.exit(130));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
main().catch(async (e) => {
  log(`bench/tls: ${e.message}`);
  await downAll(log);
  process.exit(1);
});
