// ReportData from facts recorded on the lab (1 master, 2 nodes, ovn-controller killed on n1) and the
// verify events of that moment; then variations of them: a node that cannot be reached, a lost tunnel
// port, RAFT status read from real cluster/status output.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { factsFor, hostFacts } from '../../src/app/report-facts.js';
import { parseDbClusterState } from '../../src/facts/ovn-cluster.js';
import type { Inventory } from '../../src/inventory/types.js';
import { buildReportData, type CheckResult, type HostFacts, type ReportInput } from '../../src/report-html/data.js';
import { guideInventory, host } from '../helpers/inventory.js';

type Raw = Record<string, Record<string, { stdout: string; rc: number }>>;
const recorded = JSON.parse(readFileSync(new URL('../fixtures/report/lab-n1-down.json', import.meta.url), 'utf8')) as {
  facts: Raw;
  checks: CheckResult[];
};

function labInventory(): Inventory {
  const base = guideInventory();
  return guideInventory({
    hosts: [
      host('m1', '10.213.105.10', ['master']),
      host('n1', '10.213.105.11', ['node']),
      host('n2', '10.213.105.12', ['node']),
    ],
    ovnkube: { ...base.ovnkube, binary: '/usr/local/bin/ovnkube' },
  });
}

/** Each host's facts parsed from the recorded command output, as the gather would parse them. */
function parsed(inv: Inventory, raw: Raw): Record<string, HostFacts> {
  return Object.fromEntries(
    inv.hosts.map((h) => {
      const values = new Map<string, unknown>();
      for (const f of factsFor(h, inv)) {
        const r = raw[h.name][f.key];
        if (!r) throw new Error(`no recording of ${f.key} on ${h.name}`);
        values.set(f.key, f.parse(r.stdout, r.rc));
      }
      return [h.name, hostFacts(h, inv, values)];
    }),
  );
}

function input(over: Partial<ReportInput> = {}): ReportInput {
  const inv = labInventory();
  return {
    inventory: inv,
    hosts: inv.hosts,
    facts: parsed(inv, recorded.facts),
    checks: recorded.checks,
    generatedAt: '2026-12-02T18:16:00.000Z',
    ovnkubePlay: 'ovnkube',
    ...over,
  };
}

describe('report data from recorded lab facts', () => {
  it('marks n1, whose ovn-controller was killed, unhealthy with the failed check and its look-closer command', () => {
    const d = buildReportData(input());
    expect(d.hosts.map((h) => [h.name, h.health])).toEqual([
      ['m1', 'healthy'],
      ['n1', 'unhealthy'],
      ['n2', 'healthy'],
    ]);
    const n1 = d.hosts[1];
    expect(n1.failed).toEqual([
      {
        play: 'OVN host (nodes)',
        task: 'ovn-controller runs',
        status: 'failed',
        what: 'ovn-controller not running (no live process in /var/run/ovn/ovn-controller.pid)',
        lookCloser: 'tail -n 30 /var/log/ovn/ovn-controller.log',
      },
    ]);
    expect(n1.daemons.find((x) => x.name === 'ovn-controller')?.running).toBe(false);
    expect(d.hosts[2].daemons.every((x) => x.running)).toBe(true);
    expect(d.summary).toEqual({ hosts: 3, unhealthy: 1, unreachable: 0, failedChecks: 1, tunnelsDown: 0 });
  });

  it('has each role, version, ovnkube, chassis with its encap, and the tunnel with both ports', () => {
    const d = buildReportData(input());
    expect([d.masters, d.nodes]).toEqual([['m1'], ['n1', 'n2']]);
    for (const h of d.hosts) expect(h.versions).toEqual({ ovs: '3.1.0-2+deb12u1', ovn: '23.03.1-1~deb12u2' });
    expect(d.hosts[0].daemons.map((x) => x.name)).toEqual([
      'ovsdb-server',
      'ovs-vswitchd',
      'ovnnb_db',
      'ovnsb_db',
      'ovn-northd',
    ]);
    expect(d.hosts.map((h) => [h.ovnkube.role, h.ovnkube.pids.length, h.ovnkube.flagsMatch])).toEqual([
      ['master', 1, true],
      ['node', 1, true],
      ['node', 1, true],
    ]);
    expect(d.chassis).toEqual([
      { name: 'n1', hostname: 'n1', host: 'n1', encaps: [{ type: 'geneve', ip: '10.213.105.11' }] },
      { name: 'n2', hostname: 'n2', host: 'n2', encaps: [{ type: 'geneve', ip: '10.213.105.12' }] },
    ]);
    expect(d.hosts.map((h) => h.chassis)).toEqual([null, 'n1', 'n2']);
    expect(d.tunnels).toEqual([
      {
        a: 'n1',
        b: 'n2',
        state: 'up',
        type: 'geneve',
        ends: [
          { chassis: 'n1', read: true, port: 'ovn-n2-0', remoteIp: '10.213.105.12', error: '' },
          { chassis: 'n2', read: true, port: 'ovn-n1-0', remoteIp: '10.213.105.11', error: '' },
        ],
      },
    ]);
    expect(d.databases.map((db) => [db.db, db.mode, db.leader])).toEqual([
      ['nb', 'standalone', 'm1'],
      ['sb', 'standalone', 'm1'],
    ]);
    expect(d.northd).toEqual([{ host: 'm1', status: 'running' }]);
  });

  it('a tunnel port missing on one end is a tunnel down', () => {
    const inv = labInventory();
    const facts = parsed(inv, recorded.facts);
    const layout = facts.n2.layout!;
    facts.n2 = { ...facts.n2, layout: { ...layout, ports: layout.ports.filter((p) => p.name !== 'ovn-n1-0') } };
    const d = buildReportData(input({ facts }));
    expect(d.tunnels[0].state).toBe('down');
    expect(d.tunnels[0].ends[1]).toMatchObject({ chassis: 'n2', read: true, port: '' });
    expect(d.summary.tunnelsDown).toBe(1);
  });

  it('a node that could not be reached is unreachable, and its end of a tunnel is not read', () => {
    const inv = labInventory();
    const facts: ReportInput['facts'] = { ...parsed(inv, recorded.facts), n2: { error: 'connect ETIMEDOUT' } };
    const checks = [
      ...recorded.checks.filter((c) => c.host !== 'n2'),
      { host: 'n2', play: 'connect', task: 'connect', status: 'unreachable' as const, msg: 'connect ETIMEDOUT' },
    ];
    const d = buildReportData(input({ facts, checks }));
    expect(d.hosts[2]).toMatchObject({ name: 'n2', health: 'unreachable', error: 'connect ETIMEDOUT' });
    expect(d.tunnels[0].ends[1]).toMatchObject({ chassis: 'n2', read: false });
    expect(d.tunnels[0].state).toBe('up');
    expect(d.summary).toMatchObject({ unhealthy: 1, unreachable: 1 });
  });

  it('no master answering leaves the chassis empty and says why', () => {
    const inv = labInventory();
    const facts = parsed(inv, recorded.facts);
    facts.m1 = {
      ...facts.m1,
      sbChassis: {
        reachable: false,
        error: 'ovn-sbctl: unix:/var/run/ovn/ovnsb_db.sock: database connection failed',
        chassis: [],
      },
    };
    const d = buildReportData(input({ facts }));
    expect(d.chassis).toEqual([]);
    expect(d.sbError).toContain('m1: ovn-sbctl: unix:/var/run/ovn/ovnsb_db.sock: database connection failed');
    expect(d.tunnels).toEqual([]);
  });
});

describe('report data: NB/SB RAFT clusters', () => {
  const text = (f: string) => readFileSync(new URL(`../fixtures/ovn/${f}`, import.meta.url), 'utf8');
  it('names the leader and, per member, its role and the members it has no connection with', () => {
    const base = guideInventory();
    const ms = [10, 11, 12].map((i, k) => host(`m${k + 1}`, `10.213.34.${i}`, ['master']));
    const inv = guideInventory({
      hosts: [...ms, ...base.hosts.filter((h) => h.roles.includes('node'))],
      groups: { all: ['m1', 'm2', 'm3', 'n1', 'n2'], masters: ['m1', 'm2', 'm3'], nodes: ['n1', 'n2'] },
    });
    const master = (status: string): HostFacts => ({
      packages: {},
      daemons: {},
      ovnkube: [],
      layout: null,
      sbChassis: { reachable: true, error: '', chassis: [] },
      cluster: { nb: parseDbClusterState(`exists=1\nclustered=1\n--- cluster/status\n${status}`) },
      northd: 'active',
    });
    const d = buildReportData({
      inventory: inv,
      hosts: inv.hosts,
      facts: {
        m1: master(text('cluster-status-nb-leader.txt')),
        m2: master(text('cluster-status-nb-no-quorum.txt')),
        m3: { error: 'connect ECONNREFUSED' },
      },
      checks: [],
      generatedAt: '',
      ovnkubePlay: 'ovnkube',
    });
    const nb = d.databases[0];
    expect(nb).toMatchObject({
      db: 'nb',
      mode: 'clustered',
      cid: 'f81b23ef-e80b-4c06-90d1-954d7090b643',
      leader: 'm1',
    });
    expect(nb.members).toEqual([
      { host: 'm1', address: 'tcp:10.213.34.10:6643', role: 'leader', status: 'cluster member', lost: [] },
      {
        host: 'm2',
        address: 'tcp:10.213.34.11:6643',
        role: 'candidate',
        status: 'disconnected from the cluster (election timeout)',
        lost: ['m1', 'm3'],
      },
      { host: 'm3', address: 'tcp:10.213.34.12:6643', role: 'not read', status: '', lost: [] },
    ]);
    expect(d.databases[1].members.map((m) => m.role)).toEqual(['not running', 'not running', 'not read']);
    expect(d.northd).toEqual([
      { host: 'm1', status: 'active' },
      { host: 'm2', status: 'active' },
      { host: 'm3', status: 'not read' },
    ]);
  });
});
