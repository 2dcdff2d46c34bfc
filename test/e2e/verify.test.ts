// `ovnctl verify` end to end on the shared lab: healthy after install, --smoke really binds a port on
// every node and leaves nothing behind, a broken node fails naming the host and the check, a host
// that cannot be reached makes exit 4. Each breakage is repaired by rerunning install.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ovnctl, parseEvents } from '../helpers/cli.js';
import { describeLab, labContext, labHosts, sshOk } from '../helpers/lab.js';

describeLab('verify on the lab', () => {
  const { inventory, dir } = labContext();
  let addr: Record<string, string>;
  const sh = (host: string, script: string) => sshOk(dir, host, addr[host], script);
  const install = async () => {
    const r = await ovnctl(['install', '-i', inventory]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  };
  /** What a smoke run could leave: per node the namespace and br-int port, on the master the switch and bindings. */
  const smokeTraces = async () => {
    const out: string[] = [];
    for (const n of ['n1', 'n2']) {
      out.push(
        ...(
          await sh(
            n,
            'ip netns list; ip -o link show | grep -o "ovnctl-smoke[^:@]*"; ovs-vsctl list-ports br-int; true',
          )
        )
          .split('\n')
          .filter((l) => l.includes('ovnctl-smoke'))
          .map((l) => `${n}: ${l}`),
      );
    }
    out.push(
      ...(await sh('m1', 'ovn-nbctl ls-list; ovn-sbctl --bare --columns=logical_port list Port_Binding'))
        .split('\n')
        .filter((l) => l.includes('ovnctl-smoke'))
        .map((l) => `m1: ${l}`),
    );
    return out;
  };

  beforeAll(async () => {
    addr = Object.fromEntries((await labHosts(dir)).map((h) => [h.name, h.address]));
    await install();
  });

  it('passes on a fresh install: one ok line per check per host, exit 0', async () => {
    const r = await ovnctl(['verify', '-i', inventory]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const line of [
      'ok: [m1] NB database listens on its TCP port',
      'ok: [m1] SB database listens on its TCP port',
      'ok: [m1] NB/SB databases and ovn-northd run',
    ])
      expect(r.stdout).toContain(line);
    for (const n of ['n1', 'n2']) {
      for (const check of [
        'ovn-controller runs',
        'SB database reachable from the node',
        'external_ids match the inventory',
        'br-int exists',
        'chassis registered in SB with the encap IP',
      ]) {
        expect(r.stdout).toContain(`ok: [${n}] ${check}`);
      }
    }
    for (const h of ['m1', 'n1', 'n2'])
      expect(r.stdout).toContain(`ok: [${h}] ovnkube runs once with the inventory's flags`);
    expect(r.stdout).not.toMatch(/^(changed|failed)/m);
  });

  it('reads, never writes: every check is ok (none changed) and the hosts are as before', async () => {
    const state = async () =>
      Promise.all([
        sh('m1', 'ovn-nbctl show; ovn-sbctl show; ovn-nbctl get-connection; ovn-sbctl get-connection'),
        ...['n1', 'n2'].map((n) =>
          sh(n, 'ovs-vsctl show; ovs-vsctl get Open_vSwitch . external_ids; ip netns list; ls -l /var/run/ovn'),
        ),
      ]);
    const before = await state();
    const r = await ovnctl(['verify', '-i', inventory, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { tasks, recap } = parseEvents(r.stdout);
    expect(tasks.filter((t) => t.status !== 'ok' && t.status !== 'skipped')).toEqual([]);
    for (const c of Object.values(recap.hosts)) expect(c.changed).toBe(0);
    expect(await state()).toEqual(before);
  });

  it('--smoke binds a logical port on every node for real, then removes everything', async () => {
    const r = await ovnctl(['verify', '-i', inventory, '--smoke', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const { tasks } = parseEvents(r.stdout);
    const run = tasks.filter((t) => t.task.startsWith('Port plugged into br-int'));
    expect(run.map((t) => [t.host, t.status]).sort()).toEqual([
      ['n1', 'changed'],
      ['n2', 'changed'],
    ]);
    expect(await smokeTraces()).toEqual([]);
  });

  it('--smoke first removes what an interrupted run left', async () => {
    await sh(
      'n1',
      'ip netns add ovnctl-smoke && ip link add ovnctl-smoke type veth peer name ovnctl-smoke-i && ' +
        'ovs-vsctl add-port br-int ovnctl-smoke',
    );
    await sh('m1', 'ovn-nbctl ls-add ovnctl-smoke -- lsp-add ovnctl-smoke ovnctl-smoke_stale');
    expect((await smokeTraces()).length).toBeGreaterThan(0);
    const r = await ovnctl(['verify', '-i', inventory, '--smoke']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await smokeTraces()).toEqual([]);
  });

  it(
    'fails (exit 2) naming n1 and the check after ovn-controller on n1 is killed; ' + '--smoke leaves nothing',
    async () => {
      await sh('n1', 'kill -9 $(cat /var/run/ovn/ovn-controller.pid)');
      const r = await ovnctl(['verify', '-i', inventory, '--smoke']);
      expect(r.code, r.stdout).toBe(2);
      expect(r.stdout).toMatch(/^failed: \[n1\] ovn-controller runs .*ovn-controller not running.*look closer: /m);
      expect(r.stdout).toMatch(
        /^failed: \[n1\] Port plugged into br-int[^\n]*\n(?:.*\n){0,8}ovn-controller is not running on n1/m,
      );
      expect(r.stdout).not.toMatch(/^failed: \[(m1|n2)\]/m);
      expect(await smokeTraces()).toEqual([]);
      await install();
      expect((await ovnctl(['verify', '-i', inventory])).code).toBe(0);
    },
  );

  it(
    "fails (exit 2) naming n1, the external_id and the chassis after n1's ovn-encap-ip " + 'is changed by hand',
    async () => {
      // An address of the lab's subnet that no host has: the other node's tunnel then points into the lab only.
      const wrong = addr.n1.replace(/\.\d+$/, '.253');
      await sh('n1', `ovs-vsctl set Open_vSwitch . external_ids:ovn-encap-ip=${wrong}`);
      // ovn-controller updates its SB encap from the new setting.
      await sh(
        'm1',
        'i=0; while [ $i -lt 50 ] && ! ovn-sbctl --bare --columns=ip find Encap chassis_name=n1 | ' +
          `grep -qxF ${wrong}; do sleep 0.1; i=$((i+1)); done`,
      );
      const r = await ovnctl(['verify', '-i', inventory]);
      expect(r.code, r.stdout).toBe(2);
      const lines = r.stdout.split('\n');
      expect(lines.find((l) => l.startsWith('failed: [n1] external_ids match the inventory'))).toContain(
        `ovn-encap-ip is ${wrong}, the inventory implies ${addr.n1}`,
      );
      expect(lines.find((l) => l.startsWith('failed: [n1] chassis registered in SB with the encap IP'))).toContain(
        `it has: geneve ${wrong}`,
      );
      expect(r.stdout).not.toMatch(/^failed: \[(m1|n2)\]/m);
      await install();
      expect((await ovnctl(['verify', '-i', inventory])).code).toBe(0);
    },
  );

  it('exits 4 when a host cannot be reached, still checking the others', async () => {
    // n2 moved to an address of the lab's subnet that no host has (hosts get .10 and up).
    const inv = parse(readFileSync(inventory, 'utf8'));
    inv.hosts.n2.address = addr.n2.replace(/\.\d+$/, '.254');
    // Beside the lab, not in its directory: `lab down` leaves files it did not make, and a later `lab up`
    // there refuses.
    const tmp = mkdtempSync(join(tmpdir(), 'ovnctl-verify-'));
    const down = join(tmp, 'inventory-n2-down.yaml');
    writeFileSync(down, stringify(inv));
    const r = await ovnctl(['verify', '-i', down, '--json']).finally(() =>
      rmSync(tmp, { recursive: true, force: true }),
    );
    expect(r.code, r.stderr).toBe(4);
    const { tasks, recap } = parseEvents(r.stdout);
    expect(tasks.find((t) => t.host === 'n2')).toMatchObject({ status: 'unreachable' });
    expect(recap.hosts.n2.unreachable).toBe(1);
    expect(recap.hosts.n1).toMatchObject({ failed: 0, unreachable: 0 });
    expect(recap.hosts.n1.ok).toBeGreaterThan(5);
  });
});
