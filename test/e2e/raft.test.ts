// Several masters as one OVN control plane, on a lab of its own (3 masters, 2 nodes, fresh hosts):
// one master grows to three keeping its data, NB and SB become RAFT clusters of three with one cluster id
// each, one ovn-northd active and one ovnkube master; a rerun changes nothing, in one connect and one exec
// per host (counted by bench/tools/count-round-trips.cjs); a new election timer goes
// through the leader; the leader master dies and the survivors elect a leader and take NB writes within
// 15 s, a new node joins meanwhile, then the master comes back and install catches it up; 2 of 3 masters
// down is "no quorum" (exit 2) in bounded time; `uninstall --limit m3` shrinks the clusters to two.
// The tests run in order on the same hosts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { labAddHost, labDown, labStartHost, labStopHost, labUp, type Lab } from '../../src/lab/index.js';
import { ovnctl, parseEvents } from '../helpers/cli.js';
import { describeLab, sshRun } from '../helpers/lab.js';

const RAFT = { name: 'raft3', dir: '/var/lib/ovnctl/raft3-lab', masters: 3, nodes: 2 };
/** Bounds every CLI run of this file. */
const STEP_MS = 180_000;
const MASTERS = ['m1', 'm2', 'm3'];
/** A preload that counts ssh2 connects and exec channels per host, written as JSON to ROUND_TRIPS_FILE. */
const ROUND_TRIP_COUNTER = fileURLToPath(new URL('../../bench/tools/count-round-trips.cjs', import.meta.url));

describeLab('three masters: one RAFT control plane (a lab of its own)', () => {
  let lab: Lab;
  let scratch: string;
  let addr: Record<string, string>;
  /** The lab's inventory less some hosts: the 1-master start, and the cluster after m3 left. */
  let withoutM2M3: string;
  let withoutM3: string;
  const on = async (host: string, script: string) => {
    const r = await sshRun(lab.dir, addr[host], script);
    expect(r.code, `${host}: ${script}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const run = (cmd: string, inventory: string, ...args: string[]) =>
    ovnctl([cmd, '-i', inventory, '--json', ...args], { timeoutMs: STEP_MS });
  const nbList = () => MASTERS.map((m) => `tcp:${addr[m]}:6641`).join(',');
  const sbList = () => MASTERS.map((m) => `tcp:${addr[m]}:6642`).join(',');
  const status = (host: string, db: 'nb' | 'sb') =>
    on(
      host,
      `ovs-appctl --timeout=5 -t /var/run/ovn/ovn${db}_db.ctl cluster/status ` +
        (db === 'nb' ? 'OVN_Northbound' : 'OVN_Southbound'),
    );
  const field = (text: string, name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1] ?? '';
  const inventoryWithout = (name: string, hosts: string[]) => {
    const inv = parse(readFileSync(lab.inventory, 'utf8'));
    for (const h of hosts) delete inv.hosts[h];
    const file = join(scratch, `inventory-${name}.yaml`);
    writeFileSync(file, stringify(inv));
    return file;
  };
  /** Poll a condition (bounded): returns the time it took. */
  const within = async (ms: number, what: string, cond: () => Promise<boolean>) => {
    const start = Date.now();
    while (!(await cond())) {
      if (Date.now() - start > ms) throw new Error(`not within ${ms} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return Date.now() - start;
  };
  const changedBy = (stdout: string) => {
    const { recap, tasks } = parseEvents(stdout);
    return Object.fromEntries(
      Object.keys(recap.hosts).map((h) => [
        h,
        tasks.filter((t) => t.host === h && t.status === 'changed').map((t) => t.task),
      ]),
    );
  };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'ovnctl-raft-'));
    await labDown({ dir: RAFT.dir });
    lab = await labUp(RAFT);
    addr = Object.fromEntries(lab.hosts.map((h) => [h.name, h.address]));
    withoutM2M3 = inventoryWithout('one-master', ['m2', 'm3']);
    withoutM3 = inventoryWithout('two-masters', ['m3']);
  });
  afterAll(async () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    if (lab && process.env.OVNCTL_E2E_KEEP_LAB !== '1') await labDown({ dir: RAFT.dir });
  });

  it('one master, then three: the standalone databases become the clusters; a switch and chassis survive', async () => {
    const one = await run('install', withoutM2M3);
    expect(one.code, one.stderr).toBe(0);
    // One master is what it always was: standalone databases, a rerun changes nothing, verify skips RAFT.
    const oneAgain = await run('install', withoutM2M3);
    expect(changedBy(oneAgain.stdout)).toEqual({ m1: [], n1: [], n2: [] });
    expect(await on('m1', 'ovsdb-tool db-is-standalone /var/lib/ovn/ovnnb_db.db && echo standalone')).toMatch(
      /standalone/,
    );
    const oneVerify = await run('verify', withoutM2M3);
    expect(oneVerify.code, oneVerify.stdout.slice(-3000)).toBe(0);
    const raftChecks = parseEvents(oneVerify.stdout).tasks.filter((t) => /cluster/.test(t.task));
    expect(raftChecks.map((t) => t.status)).toEqual(['skipped', 'skipped']);
    await on('m1', 'ovn-nbctl --timeout=10 ls-add keep-me');
    const three = await run('install', lab.inventory);
    expect(three.code, three.stderr + three.stdout.slice(-3000)).toBe(0);
    const { tasks } = parseEvents(three.stdout);
    const central = tasks.filter((t) => t.task.startsWith('Start the NB/SB databases'));
    expect(central.find((t) => t.host === 'm1')?.msg).toMatch(/convert the standalone NB database/);
    for (const m of ['m2', 'm3']) expect(central.find((t) => t.host === m)?.msg).toMatch(/join the NB cluster/);
    // Asked through the nodes' remote lists, as clients do.
    expect(await on('n1', `ovn-nbctl --db=${nbList()} --timeout=10 ls-list`)).toMatch(/\(keep-me\)/);
    const chassis = await on('n1', `ovn-sbctl --db=${sbList()} --timeout=10 --bare --columns=name list Chassis`);
    expect(chassis.split(/\s+/).filter(Boolean).sort()).toEqual(['n1', 'n2']);
    // The standalone file is kept next to the new one.
    expect(await on('m1', 'ls /var/lib/ovn')).toMatch(/ovnnb_db\.db\.standalone-\d+\.bak/);
  });

  it('NB and SB are clusters of three with one cluster id each; one northd active; one ovnkube master', async () => {
    for (const db of ['nb', 'sb'] as const) {
      const seen = await Promise.all(MASTERS.map((m) => status(m, db)));
      expect(new Set(seen.map((s) => field(s, 'Cluster ID'))).size).toBe(1);
      for (const s of seen) {
        expect(field(s, 'Status')).toBe('cluster member');
        expect(s.split('Servers:')[1].trim().split('\n')).toHaveLength(3);
      }
      expect(seen.filter((s) => field(s, 'Role') === 'leader')).toHaveLength(1);
    }
    const northd = await Promise.all(
      MASTERS.map((m) =>
        on(m, 'ovs-appctl --timeout=5 -t /var/run/ovn/ovn-northd.$(cat /var/run/ovn/ovn-northd.pid).ctl status'),
      ),
    );
    expect(northd.filter((s) => s.includes('Status: active'))).toHaveLength(1);
    expect(northd.filter((s) => s.includes('Status: standby'))).toHaveLength(2);
    const ovnkube = await Promise.all(
      MASTERS.map((m) =>
        on(
          m,
          'for c in $(grep -lzx -- /usr/local/bin/ovnkub[e] /proc/[0-9]*/cmdline); do tr "\\0" " " < $c; echo; done',
        ),
      ),
    );
    expect(ovnkube[0]).toMatch(/-init-master=m1/);
    expect(ovnkube[1].trim()).toBe('');
    expect(ovnkube[2].trim()).toBe('');
  });

  it('a rerun changes nothing, in one batched read per host (one connect, one exec); verify passes', async () => {
    const trips = join(scratch, 'rerun-round-trips.json');
    const again = await ovnctl(['install', '-i', lab.inventory, '--json'], {
      timeoutMs: STEP_MS,
      env: {
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${ROUND_TRIP_COUNTER}`.trim(),
        ROUND_TRIPS_FILE: trips,
      },
    });
    expect(again.code, again.stderr).toBe(0);
    expect(changedBy(again.stdout)).toEqual(Object.fromEntries(lab.hosts.map((h) => [h.name, []])));
    // Keyed by the address ssh2 dialled: every host once, one exec each, with three masters as with one;
    // and each host's run lock held on a channel of its own beside that read.
    expect(JSON.parse(readFileSync(trips, 'utf8'))).toEqual(
      Object.fromEntries(lab.hosts.map((h) => [h.address, { connects: 1, execs: 1, locks: 1 }])),
    );
    const v = await run('verify', lab.inventory, '--smoke');
    expect(v.code, v.stdout.slice(-3000)).toBe(0);
  });

  it('a new election timer goes through the leader, doubling at most per step', async () => {
    const r = await run('install', lab.inventory, '-e', 'cluster.electionTimerMs=3000');
    expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
    const central = parseEvents(r.stdout).tasks.filter((t) => t.task.startsWith('Start the NB/SB databases'));
    expect(
      central
        .filter((t) => t.status === 'changed')
        .map((t) => t.msg)
        .join('; '),
    ).toMatch(
      /NB election timer 1000 → 3000 ms.*SB election timer 1000 → 3000 ms|SB election timer.*NB election timer/,
    );
    await within(5000, 'every member with the new timer', async () => {
      const all = await Promise.all(MASTERS.flatMap((m) => [status(m, 'nb'), status(m, 'sb')]));
      return all.every((x) => field(x, 'Election timer') === '3000');
    });
    const again = await run('install', lab.inventory, '-e', 'cluster.electionTimerMs=3000');
    expect(Object.values(changedBy(again.stdout)).flat()).toEqual([]);
    // Back to OVN's default for the failover timings below.
    expect((await run('install', lab.inventory)).code).toBe(0);
  });

  it('the leader master dies: within 15 s the survivors elect a leader and take NB writes', async () => {
    const roles = await Promise.all(MASTERS.map((m) => status(m, 'nb')));
    const leader = MASTERS[roles.findIndex((s) => field(s, 'Role') === 'leader')];
    await labStopHost({ dir: lab.dir, host: leader });
    const took = await within(15_000, 'an NB write through the nodes remote list', async () => {
      const r = await sshRun(lab.dir, addr.n1, `ovn-nbctl --db=${nbList()} --timeout=3 ls-add after-${leader}`);
      return r.code === 0;
    });
    console.log(`[raft] ${leader} (NB leader) stopped: NB took a write after ${took} ms`);
    const survivors = MASTERS.filter((m) => m !== leader);
    const after = await Promise.all(survivors.map((m) => status(m, 'nb')));
    expect(after.filter((s) => field(s, 'Role') === 'leader')).toHaveLength(1);

    // A new node joins while that master is down: --limit to it, its chassis lands in the cluster.
    const n3 = await labAddHost({ dir: lab.dir, name: 'n3', role: 'node' });
    addr.n3 = n3;
    const join = await run('install', lab.inventory, '--limit', 'n3');
    expect(join.code, join.stderr + join.stdout.slice(-3000)).toBe(0);
    await within(15_000, 'chassis n3 in SB', async () => {
      const r = await sshRun(
        lab.dir,
        addr.n1,
        `ovn-sbctl --db=${sbList()} --timeout=3 --bare --columns=name list Chassis`,
      );
      return r.code === 0 && r.stdout.split(/\s+/).includes('n3');
    });

    // It comes back (only sshd runs, as after a reboot): install starts it again, the rest stay as they are.
    await labStartHost({ dir: lab.dir, host: leader });
    const back = await run('install', lab.inventory);
    expect(back.code, back.stderr + back.stdout.slice(-3000)).toBe(0);
    const changed = changedBy(back.stdout);
    for (const h of lab.hosts.map((x) => x.name).filter((n) => n !== leader)) expect(changed[h], h).toEqual([]);
    expect(changed[leader]).toContain('Start the NB/SB databases and ovn-northd (ovn-ctl start_northd)');
    await within(20_000, `${leader} connected to its cluster again`, async () => {
      const v = await run('verify', lab.inventory, '--tags', 'central');
      return v.code === 0;
    });
    expect(await on(leader, `ovn-nbctl --no-leader-only --timeout=5 ls-list`)).toMatch(new RegExp(`after-${leader}`));
  });

  it('2 of 3 masters down: verify says "no quorum", exit 2, in bounded time; install brings them back', async () => {
    const kill =
      'for f in /var/run/ovn/ovnnb_db.pid /var/run/ovn/ovnsb_db.pid /var/run/ovn/ovn-northd.pid; do ' +
      'kill -9 $(cat $f) 2>/dev/null; done; true';
    await on('m1', kill);
    await on('m2', kill);
    // The survivor notices after an election timeout or two.
    await new Promise((r) => setTimeout(r, 3000));
    const start = Date.now();
    const v = await run('verify', lab.inventory);
    const took = Date.now() - start;
    expect(v.code).toBe(2);
    const lines = v.stdout.split('\n').filter((l) => l.includes('no quorum'));
    expect(lines.length, v.stdout.slice(-3000)).toBeGreaterThan(0);
    expect(took).toBeLessThan(30_000);
    console.log(`[raft] verify with 2 of 3 masters down: exit 2 in ${took} ms`);
    const heal = await run('install', lab.inventory);
    expect(heal.code, heal.stderr).toBe(0);
    await within(20_000, 'the cluster healthy again', async () => (await run('verify', lab.inventory)).code === 0);
  });

  it('uninstall --limit m3: m3 leaves both clusters; the other two stay healthy', async () => {
    const r = await run('uninstall', lab.inventory, '--limit', 'm3');
    expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
    const { tasks } = parseEvents(r.stdout);
    expect(tasks.find((t) => t.task === 'Stop ovn-northd and the NB/SB databases')?.msg).toMatch(/leave the NB and SB/);
    for (const m of ['m1', 'm2'])
      for (const db of ['nb', 'sb'] as const) {
        const s = await status(m, db);
        expect(s.split('Servers:')[1].trim().split('\n'), `${m} ${db}`).toHaveLength(2);
        expect(s).not.toContain(`${addr.m3}:664`);
      }
    expect(await on('m3', 'ls /var/lib/ovn')).not.toMatch(/ovn[ns]b_db\.db$/m);
    // The nodes and ovnkube still name m3 until the next install: verify the control plane.
    const v = await run('verify', withoutM3, '--limit', 'm1,m2', '--tags', 'central');
    expect(v.code, v.stdout.slice(-3000)).toBe(0);

    // m3 out of the inventory: install restarts northd alone on m1 and m2, and the clients' lists follow.
    const follow = await run('install', withoutM3);
    expect(follow.code, follow.stderr + follow.stdout.slice(-3000)).toBe(0);
    const central = parseEvents(follow.stdout).tasks.filter((t) => t.task.startsWith('Start the NB/SB databases'));
    expect(central.map((t) => `${t.host} ${t.status} ${t.msg}`).sort()).toEqual([
      'm1 changed restart ovn-northd with the members of the cluster',
      'm2 changed restart ovn-northd with the members of the cluster',
    ]);
    expect(Object.values(changedBy((await run('install', withoutM3)).stdout)).flat()).toEqual([]);
    const all = await run('verify', withoutM3);
    expect(all.code, all.stdout.slice(-3000)).toBe(0);
  });
});
