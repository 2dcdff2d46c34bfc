// bench/RESULTS.md from the summaries: the machine, a table per size, a table across sizes, and
// where ovnctl stands against each target of issue 6 and of issue 14 (several masters).
import { median } from './stats.mjs';

const s = (ms) => (ms == null ? '—' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);
const x = (r) => (r == null || !Number.isFinite(r) ? '—' : `${r.toFixed(r >= 10 ? 0 : 1)}×`);
const mb = (kb) => (kb == null ? '—' : `${(kb / 1024).toFixed(0)} MB`);
const div = (a, b) => (a == null || b == null || b === 0 ? null : a / b);

/** The masters of a run or size: runs of before issue 14 have no such field, and had 1. */
const mastersOf = (r) => r.masters ?? 1;
/** What identifies a size: its masters and nodes. */
export const sizeKey = (r) => `${mastersOf(r)}m${r.k}`;
/** A size as --sizes takes it: `10` for 1 master, `3m10` for several. */
export const sizeLabel = (r) => (mastersOf(r) === 1 ? String(r.k) : `${mastersOf(r)}m${r.k}`);
/** `11 hosts`, or `13 hosts (3 masters)`: the issue-6 lines name sizes by their hosts. */
const hostsOf = (z) => `${z.hosts} hosts${z.masters === 1 ? '' : ` (${z.masters} masters)`}`;
const sizeTitle = (z) => `${z.masters} master${z.masters === 1 ? '' : 's'} + ${z.k} node${z.k === 1 ? '' : 's'}`;
/** The size issue 14's targets are stated for. */
const HA = { masters: 3, k: 10 };

/** The connects and execs per host of the counted no-op reruns (null when no run was counted). */
function roundTrips(runs, hosts) {
  const counted = runs.map((r) => r.ovnctl.noopRoundTrips?.perHost).filter(Boolean);
  if (counted.length === 0) return null;
  const all = counted.flatMap((perHost) => Object.values(perHost));
  return {
    runs: counted.length,
    of: runs.length,
    // Every host of every counted run was dialled, no more and no fewer.
    everyHost: counted.every((perHost) => Object.keys(perHost).length === hosts),
    connects: [Math.min(...all.map((c) => c.connects)), Math.max(...all.map((c) => c.connects))],
    execs: [Math.min(...all.map((c) => c.execs)), Math.max(...all.map((c) => c.execs))],
  };
}

/** Medians of one size's runs (all of the same masters and nodes). */
export function summarize(runs) {
  const m = (f) => median(runs.map(f));
  const { k } = runs[0];
  const masters = mastersOf(runs[0]);
  return {
    masters,
    k,
    hosts: k + masters,
    runs: runs.length,
    ovnctl: {
      first: m((r) => r.ovnctl.first.ms),
      firstApt: m((r) => r.ovnctl.first.aptMs),
      noop: m((r) => r.ovnctl.noop.ms),
      rssFirst: Math.max(...runs.map((r) => r.ovnctl.first.peakRssKb ?? 0)),
      rssNoop: Math.max(...runs.map((r) => r.ovnctl.noop.peakRssKb ?? 0)),
      noopChanged: Math.max(...runs.map((r) => r.ovnctl.noop.changed)),
      failedFirst: runs.filter((r) => !r.ovnctl.first.ok).length,
      failedNoop: runs.filter((r) => !r.ovnctl.noop.ok).length,
      failedHostsFirst: runs.map((r) => r.ovnctl.first.failedHosts),
      failedHostsNoop: runs.map((r) => r.ovnctl.noop.failedHosts),
      noopRoundTrips: roundTrips(runs, k + masters),
      // Runs of before verify and facts were timed have neither: —.
      verify: m((r) => r.ovnctl.verify?.ms),
      facts: m((r) => r.ovnctl.facts?.ms),
      rssRead:
        Math.max(...runs.map((r) => Math.max(r.ovnctl.verify?.peakRssKb ?? 0, r.ovnctl.facts?.peakRssKb ?? 0))) || null,
    },
    ansible: {
      first: m((r) => r.ansible?.first.ms),
      firstApt: m((r) => r.ansible?.first.aptMs),
      noop: m((r) => r.ansible?.noop.ms),
      noopCold: m((r) => r.ansible?.noopCold.ms),
      rss: Math.max(...runs.map((r) => r.ansible?.first.peakRssKb ?? 0)),
      noopChanged: Math.max(...runs.map((r) => r.ansible?.noop.changed ?? 0)),
      failed: runs.filter((r) => r.ansible && (!r.ansible.first.ok || !r.ansible.noop.ok || !r.ansible.noopCold.ok))
        .length,
      // Sizes above --ansible-max-hosts ran ovnctl alone.
      skipped: runs.every((r) => r.ansible === null),
    },
    floor: m((r) => r.floorMs),
    // Runs of before issue 17 have neither: null, shown as —.
    floorSsh2: m((r) => r.ssh2FloorMs),
    floorSsh2Read: m((r) => r.ssh2ReadFloorMs),
    labUp: m((r) => r.labUpMs),
    // Both tools on one lab in turn (bench/run.mjs oneLabFor): said under the size's table.
    oneLab: runs.some((r) => r.oneLab),
    // Ratios within each run first: drift of the machine's load then cancels out.
    paired: {
      noopSpeedup: m((r) => r.ansible?.noop.ms / r.ovnctl.noop.ms),
      noopColdSpeedup: m((r) => r.ansible?.noopCold.ms / r.ovnctl.noop.ms),
      noopFloor: m((r) => r.ovnctl.noop.ms / r.floorMs),
      noopSsh2Floor: m((r) => (r.ssh2FloorMs ? r.ovnctl.noop.ms / r.ssh2FloorMs : null)),
      firstRatio: m((r) => r.ovnctl.first.ms / r.ansible?.first.ms),
    },
    load: [Math.min(...runs.map((r) => r.load1)), Math.max(...runs.map((r) => r.load1))],
  };
}

function sizeTable(z) {
  const o = z.ovnctl;
  const a = z.ansible;
  return [
    `### ${sizeTitle(z)} (${z.hosts} hosts), median of ${z.runs} paired run${z.runs === 1 ? '' : 's'}`,
    '',
    '| step | ovnctl | Ansible | Ansible ÷ ovnctl | ovnctl ÷ floor | Ansible ÷ floor | ovnctl peak RSS |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| first install | ${s(o.first)} | ${s(a.first)} | ${x(div(a.first, o.first))} ` +
      `| ${x(div(o.first, o.firstApt))} of its apt floor | ${x(div(a.first, a.firstApt))} of its apt floor ` +
      `| ${mb(o.rssFirst)} |`,
    `| apt floor (slowest host's summed apt tasks) | ${s(o.firstApt)} | ${s(a.firstApt)} | | | | |`,
    `| no-op rerun | ${s(o.noop)} | ${s(a.noop)} (warm ControlPersist) | ${x(div(a.noop, o.noop))} ` +
      `| ${x(div(o.noop, z.floor))} of SSH floor | ${x(div(a.noop, z.floor))} | ${mb(o.rssNoop)} |`,
    `| no-op rerun, Ansible's masters closed first | ${s(o.noop)} | ${s(a.noopCold)} ` +
      `| ${x(div(a.noopCold, o.noop))} | | ${x(div(a.noopCold, z.floor))} | |`,
    `| SSH floor (OpenSSH connect + \`true\`, all hosts at once) | ${s(z.floor)} | | | | | |`,
    `| ssh2 floor (one Node process: ssh2 connect + \`true\`, all hosts at once) | ${s(z.floorSsh2)} ` +
      `| | | ${x(div(z.ovnctl.noop, z.floorSsh2))} of ssh2 floor (no-op) | | |`,
    `| ssh2 floor with ovnctl's read (each host runs the no-op's recorded read, not \`true\`) ` +
      `| ${s(z.floorSsh2Read)} | | | ${x(div(z.ovnctl.noop, z.floorSsh2Read))} of it (no-op) | | |`,
    `| \`ovnctl verify\` | ${s(o.verify)} | | | ${x(div(o.verify, z.floorSsh2))} of ssh2 floor | | ${mb(o.rssRead)} |`,
    `| \`ovnctl facts\` | ${s(o.facts)} | | | ${x(div(o.facts, z.floorSsh2))} of ssh2 floor | | |`,
    `| \`lab up\` of the ovnctl lab (${z.hosts} hosts) | ${s(z.labUp)} | | | | | |`,
    '',
    `Tasks reported changed on the no-op rerun (worst run): ovnctl ${o.noopChanged}, Ansible ${a.noopChanged}. ` +
      `Ansible's largest process peaked at ${mb(a.rss)} (one of ${z.hosts} forks or the controller). ` +
      `1-min load average at the start of the runs: ${z.load.map((l) => l.toFixed(1)).join('–')}.`,
    '',
    `Round trips of ovnctl's no-op rerun (counted in an extra, unmeasured rerun): ${roundTripsText(z)}.`,
    '',
    ...(z.ansible.skipped ? ['Ansible was not run at this size (`--ansible-max-hosts`): its columns are —.', ''] : []),
    ...(z.oneLab && !z.ansible.skipped
      ? [
          'Two labs of this size do not fit in memory: both tools ran on one lab in turn, ovnctl first; ' +
            "Ansible's first run started from the same hosts after `ovnctl uninstall --purge` and `apt-get clean`.",
          '',
        ]
      : []),
    failures(z),
  ].join('\n');
}

function failures(z) {
  const o = z.ovnctl;
  if (o.failedFirst === 0 && o.failedNoop === 0 && z.ansible.failed === 0)
    return 'Every run of both tools succeeded.\n';
  const lines = [];
  if (o.failedFirst) {
    lines.push(
      `**ovnctl's first install failed in ${o.failedFirst} of ${z.runs} runs** ` +
        `(failed hosts per run: ${o.failedHostsFirst.join(', ')}); ` +
        'its time counts those runs as they were (a failed host leaves the run early), ' +
        'and unmeasured reruns installed the rest before the no-op.',
    );
  }
  if (o.failedNoop)
    lines.push(
      `**ovnctl's no-op rerun failed in ${o.failedNoop} of ${z.runs} runs** ` +
        `(failed hosts per run: ${o.failedHostsNoop.join(', ')}).`,
    );
  if (z.ansible.failed) lines.push(`Ansible failed in ${z.ansible.failed} of ${z.runs} runs.`);
  return lines.join('\n') + ' See bench/PROFILE.md for the cause.\n';
}

function roundTripsText(z) {
  const c = z.ovnctl.noopRoundTrips;
  if (!c) return 'not counted (a run of before issue 14)';
  const span = ([lo, hi]) => (lo === hi ? `${lo}` : `${lo}–${hi}`);
  const runs = c.runs === c.of ? `${c.runs} run${c.runs === 1 ? '' : 's'}` : `**${c.runs} of ${c.of} runs counted**`;
  return (
    `${span(c.connects)} connect(s) and ${span(c.execs)} exec(s) per host, ${runs}` +
    (c.everyHost ? `, every one of the ${z.hosts} hosts` : `, **not every one of the ${z.hosts} hosts was dialled**`)
  );
}

/** `1 / 1` connects / execs per host of the no-op (a range when hosts or runs differ), `—` when not counted. */
function roundTripsCell(z) {
  const c = z.ovnctl.noopRoundTrips;
  if (!c) return '—';
  const span = ([lo, hi]) => (lo === hi ? `${lo}` : `${lo}–${hi}`);
  return `${span(c.connects)} / ${span(c.execs)}${c.everyHost ? '' : ' (hosts missing)'}`;
}

function acrossTable(sums) {
  return [
    '| masters + nodes | hosts | ovnctl first | Ansible first | ovnctl no-op | Ansible no-op | SSH floor ' +
      '| ssh2 floor | ovnctl peak RSS | no-op connects / execs per host |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...sums.map(
      (z) =>
        `| ${z.masters} + ${z.k} | ${z.hosts} | ${s(z.ovnctl.first)} | ${s(z.ansible.first)} | ${s(z.ovnctl.noop)} ` +
        `| ${s(z.ansible.noop)} | ${s(z.floor)} | ${s(z.floorSsh2)} ` +
        `| ${mb(Math.max(z.ovnctl.rssFirst, z.ovnctl.rssNoop))} ` +
        `| ${roundTripsCell(z)} |`,
    ),
    '',
  ].join('\n');
}

function verdict(ok) {
  return ok == null ? 'not measured' : ok ? '**met**' : '**short**';
}

function targets(sums) {
  const lines = [];
  const all = (f) => (sums.length ? sums.every(f) : null);
  const each = (f) => sums.map(f).join('; ');
  const noop10 = all((z) => div(z.ansible.noop, z.ovnctl.noop) >= 10);
  const noopSpeedups = (z) =>
    `${hostsOf(z)} ${x(div(z.ansible.noop, z.ovnctl.noop))} ` +
    `(${x(div(z.ansible.noopCold, z.ovnctl.noop))} against a cold Ansible; per-run median ${x(z.paired?.noopSpeedup)})`;
  lines.push(`- No-op rerun ≥ 10× faster than Ansible at every size: ${verdict(noop10)} — ${each(noopSpeedups)}.`);
  const floor2 = all((z) => div(z.ovnctl.noop, z.floor) <= 2);
  const noopFloors = (z) =>
    `${hostsOf(z)} ${x(div(z.ovnctl.noop, z.floor))} (per-run median ${x(z.paired?.noopFloor)})`;
  lines.push(`- No-op rerun ≤ 2× the SSH floor: ${verdict(floor2)} — ${each(noopFloors)}.`);
  const first = all((z) => z.ovnctl.first <= z.ansible.first && z.ovnctl.failedFirst === 0);
  const firstTimes = (z) =>
    `${hostsOf(z)} ${s(z.ovnctl.first)} vs ${s(z.ansible.first)} ` +
    `(per-run median ${x(z.paired?.firstRatio)} of Ansible's time)` +
    `${z.ovnctl.failedFirst ? ` (ovnctl failed on some hosts in ${z.ovnctl.failedFirst} of ${z.runs} runs)` : ''}`;
  lines.push(`- First install no slower than Ansible at every size: ${verdict(first)} — ${each(firstTimes)}.`);
  const big = sums.find((z) => z.hosts === 31 && z.masters === 1) ?? sums.find((z) => z.hosts === 31);
  const rss = big ? Math.max(big.ovnctl.rssFirst, big.ovnctl.rssNoop) : null;
  lines.push(
    `- 31 hosts, ovnctl peak RSS < 150 MB: ${verdict(big ? rss < 150 * 1024 : null)}${big ? ` — ${mb(rss)}` : ''}.`,
  );
  // Growth with hosts, among the sizes of the same masters count (the smallest against the largest).
  const growth = [...new Set(sums.map((z) => z.masters))]
    .map((masters) => sums.filter((z) => z.masters === masters).sort((a, b) => a.hosts - b.hosts))
    .filter((group) => group.length > 1)
    .map((group) => {
      const lo = group[0];
      const hi = group[group.length - 1];
      const hostRatio = hi.hosts / lo.hosts;
      const noopRatio = div(hi.ovnctl.noop, lo.ovnctl.noop);
      const firstRatio = div(hi.ovnctl.first, lo.ovnctl.first);
      const rssRatio = div(
        Math.max(hi.ovnctl.rssFirst, hi.ovnctl.rssNoop),
        Math.max(lo.ovnctl.rssFirst, lo.ovnctl.rssNoop),
      );
      return {
        sub: noopRatio < hostRatio && firstRatio < hostRatio,
        text:
          `${lo.masters === 1 ? '' : `with ${lo.masters} masters, `}from ${lo.hosts} to ${hi.hosts} hosts ` +
          `(${x(hostRatio)} the hosts) the no-op grows ${x(noopRatio)}, ` +
          `the first install ${x(firstRatio)}, peak RSS ${x(rssRatio)} ` +
          `(SSH floor ${x(div(hi.floor, lo.floor))}, Ansible no-op ${x(div(hi.ansible.noop, lo.ansible.noop))})`,
      };
    });
  if (growth.length) {
    lines.push(
      `- Sub-linear growth with hosts: ${verdict(growth.every((g) => g.sub))} — ` +
        `${growth.map((g) => g.text).join('; ')}.`,
    );
  } else {
    lines.push('- Sub-linear growth with hosts: not measured (one size per masters count).');
  }
  return lines.join('\n') + '\n';
}

/** Issue 14: the 3 masters + 10 nodes size against 1 master + 10 nodes and against Ansible on its hosts. */
function haTargets(sums) {
  const lines = [];
  const ha = sums.find((z) => z.masters === HA.masters && z.k === HA.k);
  const one = sums.find((z) => z.masters === 1 && z.k === HA.k);
  const others = sums.filter((z) => z.masters > 1 && z !== ha);
  const name = `${sizeTitle(HA)}`;
  const how = `\`npm run bench -- --sizes ${HA.k},${HA.masters}m${HA.k}\``;
  // 1. First install, several masters against one, same nodes.
  const firstRatio = (z, base) => div(z.ovnctl.first, base.ovnctl.first);
  const pairText = (z, base) =>
    `${sizeTitle(z)} ${s(z.ovnctl.first)} ÷ ${sizeTitle(base)} ${s(base.ovnctl.first)} ` +
    `= ${firstRatio(z, base)?.toFixed(2) ?? '—'}×` +
    `${z.ovnctl.failedFirst ? ` (failed on some hosts in ${z.ovnctl.failedFirst} of ${z.runs} runs)` : ''}`;
  const pairs = others
    .map((z) => [z, sums.find((b) => b.masters === 1 && b.k === z.k)])
    .filter(([, base]) => base)
    .map(([z, base]) => pairText(z, base));
  const also = (list) => (list.length ? ` Also measured, no target: ${list.join('; ')}.` : '');
  if (ha && one) {
    const met = firstRatio(ha, one) <= 1.3 && ha.ovnctl.failedFirst === 0;
    lines.push(
      `- First install on ${name} within 1.3× of 1 master + ${HA.k} nodes: ${verdict(met)} — ` +
        `${pairText(ha, one)} (medians of runs at different times, not paired: the machine's load moves it).` +
        also(pairs),
    );
  } else {
    lines.push(
      `- First install on ${name} within 1.3× of 1 master + ${HA.k} nodes: not measured ` +
        `(needs both sizes: ${how}).${also(pairs)}`,
    );
  }
  // 2. The no-op is still one connect and one exec per host.
  const tripsText = (z) => `${sizeTitle(z)}: ${roundTripsText(z)}`;
  const tripsMet = (z) => {
    const c = z.ovnctl.noopRoundTrips;
    if (!c) return null;
    const one = ([lo, hi]) => lo === 1 && hi === 1;
    return c.runs === c.of && c.everyHost && one(c.connects) && one(c.execs);
  };
  const alsoTrips = also(others.map(tripsText));
  lines.push(
    ha
      ? `- No-op rerun on ${name} one connect and one exec per host: ${verdict(tripsMet(ha))} — ${tripsText(ha)}.` +
          alsoTrips
      : `- No-op rerun on ${name} one connect and one exec per host: not measured (${how}).${alsoTrips}`,
  );
  // 3. The no-op ≥ 30× faster than Ansible on the same hosts.
  const speedText = (z) =>
    `${sizeTitle(z)} ${s(z.ovnctl.noop)} vs ${s(z.ansible.noop)}: ${x(div(z.ansible.noop, z.ovnctl.noop))} ` +
    `(${x(div(z.ansible.noopCold, z.ovnctl.noop))} against a cold Ansible; per-run median ${x(z.paired?.noopSpeedup)})`;
  const alsoSpeed = also(others.map(speedText));
  lines.push(
    ha
      ? `- No-op rerun on ${name} ≥ 30× faster than Ansible on the same hosts: ` +
          `${verdict(div(ha.ansible.noop, ha.ovnctl.noop) >= 30 && ha.ovnctl.failedNoop === 0)} — ${speedText(ha)}.` +
          alsoSpeed
      : `- No-op rerun on ${name} ≥ 30× faster than Ansible on the same hosts: not measured (${how}).${alsoSpeed}`,
  );
  return lines.join('\n') + '\n';
}

/** How loaded the machine was: the 1-min load at each run's start carries the previous run's apt work too. */
function loadNote(sums) {
  const peak = Math.max(...sums.map((z) => z.load[1]));
  if (peak <= 4) {
    return (
      `- The 1-min load average at the start of every run stayed at or below ${peak.toFixed(1)} on 2 cores ` +
      "(it includes the previous run's own apt work): nothing else competed. " +
      'Runs are paired, so the per-run ratios in the targets below are the steadier figures.'
    );
  }
  return (
    `- The 1-min load average at the start of some runs reached ${peak.toFixed(1)} on 2 cores ` +
    "(see each size; it includes the previous run's own apt work and any other work on this machine), " +
    'which stretches absolute times and makes single runs swing. ' +
    'Runs are paired, so the per-run ratios in the targets below are the steadier figures.'
  );
}

/** With several masters the two tools no longer do the same work: say how. */
function severalMastersNote(sums) {
  const m = [...new Set(sums.filter((z) => z.masters > 1).map((z) => z.masters))].join(', ');
  return [
    `- With several masters (${m}) the tools do different work, and Ansible less of it: bench/ansible/ is the seed ` +
      'flow and has no RAFT. On M masters it starts M separate standalone NB/SB databases',
    '  (each `ovn-ctl start_northd` on its own, nothing joins) and an ovnkube master on every one, ' +
      'and gives the nodes all M addresses. ovnctl makes NB and SB one RAFT cluster',
    '  (created on the first master, joined by the others), one ovn-northd active and ' +
      'the others standby, and one ovnkube master. So "Ansible ÷ ovnctl" at those sizes',
    "  compares ovnctl's HA control plane with a cheaper, non-HA one: it flatters Ansible's first install; " +
      "on a no-op both only read state (ovnctl's one read per host includes the clusters' status).",
  ].join('\n');
}

/** Issue 17: the no-op against the ssh2 floor (≤ 1.3× at 101 and 201 hosts, ≤ 1.5× at 3), RSS at 201 hosts. */
function scaleTargets(sums) {
  const withFloor = sums.filter((z) => z.floorSsh2 != null);
  const ratio = (z) => div(z.ovnctl.noop, z.floorSsh2);
  const text = (z) => `${hostsOf(z)} ${x(ratio(z))} (per-run median ${x(z.paired?.noopSsh2Floor)})`;
  const at = (hosts) => withFloor.filter((z) => z.hosts === hosts);
  const line = (hosts, bound) => {
    const zs = at(hosts);
    const how = `\`npm run bench -- --sizes ${hosts - 1}\``;
    return zs.length
      ? `- No-op rerun at ${hosts} hosts ≤ ${bound}× the ssh2 floor: ` +
          `${verdict(zs.every((z) => ratio(z) <= bound))} — ${zs.map(text).join('; ')}.`
      : `- No-op rerun at ${hosts} hosts ≤ ${bound}× the ssh2 floor: not measured (${how}).`;
  };
  const big = sums.find((z) => z.hosts === 201);
  const rss = big ? Math.max(big.ovnctl.rssFirst, big.ovnctl.rssNoop) : null;
  const others = withFloor.filter((z) => ![3, 101, 201].includes(z.hosts));
  return [
    line(3, 1.5),
    line(101, 1.3),
    line(201, 1.3),
    `- Peak RSS at 201 hosts < 200 MB: ${verdict(big ? rss < 200 * 1024 : null)}${big ? ` — ${mb(rss)}` : ''}.`,
    ...(others.length ? [`- Other sizes against the ssh2 floor, no target: ${others.map(text).join('; ')}.`] : []),
    '',
  ].join('\n');
}

export function renderResults({ machine, sums, opts, startedAt, minutes }) {
  return [
    '# ovnctl vs Ansible on identical lab clusters',
    '',
    `Written by \`npm run bench\` (bench/run.mjs) on ${startedAt}${minutes ? `, ${minutes.toFixed(0)} min` : ''}, ` +
      `sizes ${opts.sizes.join(',')}, ${opts.runs} paired run(s) each. ` +
      'Raw figures per run: bench/results.json. What the profiles show and what to change: bench/PROFILE.md.',
    '',
    '## How to run',
    '',
    '- As root (the lab needs it): `npm run bench` (sizes 2,10,3m10,30, 5 runs: an hour and a half or more ' +
      'on 2 cores); `npm run bench -- --sizes 2,10 --runs 1` for a quick look;',
    '  a size is a node count with 1 master, or `<M>m<k>` for M masters + k nodes (`3m10`: the size of ' +
      "issue 14's targets); `--masters 3` gives every plain count 3 masters " +
      '(`npm run bench -- --sizes 10,3m10` measures both sides of the 1.3× target);',
    '  `--keep` keeps the logs of every run (printed path); ' +
      '`node bench/run.mjs --render bench/results.json` rewrites this file from saved figures.',
    "- It installs Debian's ansible-core and GNU time when missing, snapshots the build (dist/) it measures, " +
      'and takes down every lab it brought up, also on failure or Ctrl-C.',
    '',
    '## Machine',
    '',
    `- CPU: ${machine.cpu}; RAM: ${machine.ramGiB} GiB; kernel ${machine.kernel}; ${machine.os}`,
    `- Node ${machine.node}; Ansible: Debian's ansible-core ${machine.ansible} on /usr/bin/python3; ` +
      `ovnctl measured: ${machine.ovnctl}`,
    `- Load average when the bench started: ${machine.loadAtStart}`,
    '',
    '## Method',
    '',
    '- Per size and run: two labs of M masters + k nodes come up side by side ' +
      '(`bo<k>` for ovnctl, `ba<k>` for Ansible, `bo<M>m<k>`/`ba<M>m<k>` with several masters; ' +
      'fresh hosts every run), then, in this order:',
    '  ovnctl first install, Ansible first run, ovnctl no-op rerun, ' +
      'ovnctl no-op rerun again under bench/tools/count-round-trips.cjs (unmeasured: ' +
      'it counts ssh2 connects and execs per host),',
    '  Ansible no-op rerun (its ControlPersist masters of the first run still up),',
    '  Ansible no-op rerun again after closing those masters (cold, like every ovnctl run), ' +
      'the SSH floor and the ssh2 floor (3 samples each on the ovnctl lab); then both labs go down.',
    '- ovnctl: `node bin/ovnctl.js install -i <lab>/inventory.yaml --json -f <hosts>`; ' +
      'Ansible: `ansible-playbook -f <hosts> bench/ansible/install.yaml` with bench/ansible/ansible.cfg',
    '  (pipelining, ControlPersist=60s, gathering explicit, ' +
      "strict host keys against the lab's known_hosts, `-F /dev/null`), its inventory generated from the lab's.",
    '- Both run under a clean environment (PATH=/usr/...:/bin, HOME, LANG: nothing of the login shell, e.g. pyenv) ' +
      'and under GNU time for the peak RSS. Wall time is spawn to exit.',
    '- The apt floor: per host, the summed durations of the apt tasks ' +
      '(the ones named "Install …": ovnctl\'s --json events, Ansible\'s bench_timing callback); ' +
      "the slowest host's sum.",
    "- Ansible's apt steps are shell tasks " +
      '(dpkg-query, apt-get update only when the sources changed, apt-get install): ' +
      'the `apt` module needs python3-apt, which the lab mirror lacks.',
    '',
    '## Reading these numbers',
    '',
    loadNote(sums),
    '- The SSH floor is OpenSSH: one `ssh` process per host, each with a sntrup761x25519 key exchange on both ends. ' +
      'On 2 cores that CPU makes the floor grow',
    '  steeply with the host count, while ovnctl dials every host from one process (ssh2, curve25519): ' +
      'the ratio to the floor falls as clusters grow.',
    '- The ssh2 floor is the bound that tells how much is left (issue 17): bench/tools/ssh2-floor.mjs, a Node ' +
      "process that loads ssh2, dials every host at once with ovnctl's key exchange, cipher and host key type,",
    '  verifies the key, runs `true` and exits: start-up included, as in an ovnctl run.',
    "- The ssh2 floor with ovnctl's read: the same, but each host runs the batched read ovnctl's counted no-op " +
      'sent it (recorded by bench/tools/count-round-trips.cjs).',
    '  On the lab every host runs on these 2 cores, so what the hosts do is part of every figure; on real hosts ' +
      'it runs on their own CPUs.',
    ...(sums.some((z) => z.masters > 1) ? [severalMastersNote(sums)] : []),
    '',
    '## Results',
    '',
    ...sums.map(sizeTable),
    '### Across sizes',
    '',
    acrossTable(sums),
    '## Targets of issue 6',
    '',
    targets(sums),
    '## Targets of issue 14 (several masters)',
    '',
    haTargets(sums),
    '## Targets of issue 17 (against the ssh2 floor, at scale)',
    '',
    scaleTargets(sums),
  ].join('\n');
}
