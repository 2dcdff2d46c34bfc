// `ovnctl uninstall` leaves nothing of Kubernetes behind and never cuts a host off, on a lab of its own
// (1 master, 2 nodes; the tests run in order on the same hosts):
// (a) after install, the token where ovnkube puts it (the k8s-api-* external_ids, its debug log) and its
//     CNI config; after uninstall a grep of each whole host finds the token nowhere (conf.db compacted);
// (b) gre-mesh with greMesh.underlayBridge (each host's address on br-phy, its default route too), then
//     uninstall: ssh keeps working throughout, the address and default route are back on eth0, no
//     bridge is left (br0, br-phy, br-int, docker0), and a rerun changes nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { labDown, labUp, type Lab } from '../../src/lab/index.js';
import { RECORDER_ARGV_LOG } from '../../src/lab/ovnkube-recorder.js';
import { ovnctl, parseEvents } from '../helpers/cli.js';
import { describeLab, sshArgs, sshRun } from '../helpers/lab.js';

const UNCLEAN = { name: 'unclean', dir: '/var/lib/ovnctl/unclean-lab', masters: 1, nodes: 2 };
const HOSTS = ['m1', 'n1', 'n2'];
const STEP_MS = 300_000;
/** The 2018 go-controller's config.WriteCNIConfig output. */
const CNI_CONF = '{"cniVersion":"0.3.1","name":"ovn-kubernetes","type":"ovn-k8s-cni-overlay"}';

describeLab('uninstall leaves no token and keeps hosts reachable (a lab of its own)', () => {
  let lab: Lab;
  let scratch: string;
  let addr: Record<string, string>;
  let token: string;
  const on = async (host: string, script: string) => {
    const r = await sshRun(lab.dir, addr[host], script);
    expect(r.code, `${host}: ${script}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const run = async (cmd: string, inventory: string, ...args: string[]) => {
    const r = await ovnctl([cmd, '-i', inventory, '--json', ...args], { timeoutMs: STEP_MS });
    expect(r.code, `ovnctl ${cmd}\n${r.stdout}${r.stderr}`).toBe(0);
    return parseEvents(r.stdout);
  };
  const changed = (events: ReturnType<typeof parseEvents>) =>
    events.tasks.filter((t) => t.status === 'changed').map((t) => `${t.host}: ${t.task}: ${t.msg ?? ''}`);

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'ovnctl-unclean-'));
    await labDown({ dir: UNCLEAN.dir }); // a killed run may have left it
    lab = await labUp(UNCLEAN);
    addr = Object.fromEntries(lab.hosts.map((h) => [h.name, h.address]));
    token = readFileSync(join(lab.dir, 'k8s-token'), 'utf8').trim();
  });
  afterAll(async () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    if (lab && process.env.OVNCTL_E2E_KEEP_LAB !== '1') await labDown({ dir: UNCLEAN.dir });
  });

  it('after uninstall the token is nowhere on any host: external_ids, conf.db history, log, CNI config', async () => {
    await run('install', lab.inventory);
    for (const h of HOSTS) {
      // What ovnkube -init-node writes (the stand-in may already have), done anyway: the external_ids...
      await on(
        h,
        `ovs-vsctl --timeout=10 set Open_vSwitch . external_ids:k8s-api-server=https://${addr.m1}:6443 ` +
          `external_ids:k8s-api-token=${token} external_ids:k8s-ca-certificate=/etc/kubernetes/ca.crt`,
      );
      // ...its CNI config (and a temp file of a write it did not finish), a config of someone else...
      await on(
        h,
        `mkdir -p /etc/cni/net.d && printf '%s' '${CNI_CONF}' > /etc/cni/net.d/10-ovn-kubernetes.conf && ` +
          `printf '%s' '${CNI_CONF}' > /etc/cni/net.d/ovnkube-123456 && echo '{}' > /etc/cni/net.d/99-loopback.conf`,
      );
      // ...and what its -loglevel=5 writes into the log file ovnctl gave it (logrus' debug level).
      await on(
        h,
        `echo 'level=debug msg="Kubernetes config: {Kubeconfig: CACert: APIServer:https://${addr.m1}:6443 ` +
          `Token:${token}}"' >> /var/log/openvswitch/ovnkube.log`,
      );
      expect(await on(h, `grep -cF ${token} /etc/openvswitch/conf.db`)).not.toBe('0\n');
    }

    const un = await run('uninstall', lab.inventory);
    for (const h of HOSTS) {
      expect(
        un.tasks.find((t) => t.host === h && t.task.startsWith('Remove the k8s-api-* external_ids')),
      ).toMatchObject({ status: 'changed' });
      expect(await on(h, 'ls /etc/cni/net.d/')).toBe('99-loopback.conf\n');
      // The whole host but the kernel's views. The one file allowed to hold it is the lab stand-in's own
      // record of its argv (the real ovnkube keeps none, and ovnctl never made it).
      const found = await sshRun(
        lab.dir,
        addr[h],
        `timeout 300 grep -rlF ${token} / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev 2>/dev/null; ` +
          'echo "rc=$?"',
      );
      const lines = found.stdout.trim().split('\n');
      expect(lines.at(-1), `${h}: grep's exit (0 found, 1 none; 2 an error)`).toMatch(/^rc=[01]$/);
      expect(
        lines.slice(0, -1).filter((f) => f !== RECORDER_ARGV_LOG),
        `${h}: files holding the token`,
      ).toEqual([]);
    }
    const again = await run('uninstall', lab.inventory);
    expect(changed(again)).toEqual([]);
  });

  it('gre-mesh with underlayBridge, uninstall: ssh never drops, eth0 has its address back, no bridge', async () => {
    const gateway = lab.subnet.split('/')[0].replace(/\.\d+$/, '.1');
    const doc = parse(readFileSync(lab.inventory, 'utf8')) as { greMesh?: object };
    doc.greMesh = { underlayBridge: true };
    const underlay = join(scratch, 'inventory-underlay.yaml');
    writeFileSync(underlay, stringify(doc));

    // A default route (the lab gives none) to see routes move onto br-phy and back.
    for (const h of HOSTS) await on(h, `ip route replace default via ${gateway} dev eth0`);
    await run('gre-mesh', underlay);
    for (const h of HOSTS) {
      expect(await on(h, 'ip -4 -o addr show dev br-phy')).toContain(`${addr[h]}/`);
      expect(await on(h, 'ip -4 route show default')).toContain('dev br-phy');
      expect(await on(h, 'ip -o link show docker0')).toContain('docker0');
    }

    // --check plans the move and changes nothing (br-phy is kept in the plan: it still holds the address).
    const check = await run('uninstall', underlay, '--check');
    for (const h of HOSTS) {
      expect(check.tasks.find((t) => t.host === h && t.task.startsWith('Move the addresses'))?.msg).toBe(
        `move ${addr[h]}/24 from br-phy back to eth0`,
      );
      expect(await on(h, 'ip -4 -o addr show dev br-phy')).toContain(`${addr[h]}/`);
    }

    // Sessions held open through the uninstall: each prints a tick every 200 ms until we end it.
    const watchers = new Map<string, { child: ChildProcess; ticks: number[]; exit?: number | null }>();
    for (const h of HOSTS) {
      const child = spawn('ssh', [...sshArgs(lab.dir, addr[h]), 'while :; do echo t; sleep 0.2; done'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const w = { child, ticks: [] as number[], exit: undefined as number | null | undefined };
      child.stdout?.on('data', () => w.ticks.push(Date.now()));
      child.on('exit', (code) => {
        w.exit = code;
      });
      watchers.set(h, w);
    }
    // And fresh connections, one per host per second.
    let polling = true;
    const refused: string[] = [];
    const poller = (async () => {
      while (polling) {
        await Promise.all(
          HOSTS.map(async (h) => {
            const r = await sshRun(lab.dir, addr[h], 'true');
            if (r.code !== 0) refused.push(`${h} at ${new Date().toISOString()}: ${r.stderr.trim()}`);
          }),
        );
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const start = Date.now();
      const un = await run('uninstall', underlay);
      const end = Date.now();
      await new Promise((r) => setTimeout(r, 1500));
      for (const h of HOSTS) {
        expect(
          un.tasks.find((t) => t.host === h && t.task.startsWith('Move the addresses and routes of OVS bridges')),
        ).toMatchObject({ status: 'changed' });
        const w = watchers.get(h)!;
        expect(w.exit, `${h}: the held session ended`).toBeUndefined();
        const during = w.ticks.filter((t) => t >= start && t <= end + 1500);
        const gaps = during.slice(1).map((t, i) => t - during[i]);
        expect(Math.max(0, ...gaps), `${h}: longest silence of the held session (ms)`).toBeLessThan(5000);
        expect(w.ticks.at(-1)!, `${h}: ticks after the uninstall`).toBeGreaterThan(end);
      }
    } finally {
      polling = false;
      await poller;
      for (const w of watchers.values()) w.child.kill();
    }
    expect(refused).toEqual([]);

    for (const h of HOSTS) {
      const [eth0] = JSON.parse(await on(h, 'ip -j -4 addr show dev eth0')) as {
        addr_info: { local: string }[];
      }[];
      expect(eth0.addr_info.map((a) => a.local)).toEqual([addr[h]]);
      const routes = JSON.parse(await on(h, 'ip -j -4 route show default')) as { gateway: string; dev: string }[];
      expect(routes).toEqual([expect.objectContaining({ gateway, dev: 'eth0' })]);
      expect(await on(h, "ip -o link show | grep -E ' (br0|br-phy|br-int|docker0)[:@]' || true")).toBe('');
      // Open vSwitch is stopped: its database file says which bridges would come back on a start.
      const bridges = await on(
        h,
        `ovsdb-tool query /etc/openvswitch/conf.db ` +
          `'["Open_vSwitch",{"op":"select","table":"Bridge","where":[],"columns":["name"]}]'`,
      );
      expect(JSON.parse(bridges)[0].rows).toEqual([]);
      expect(await on(h, 'ls /etc/sysctl.d/')).not.toContain('ovnctl');
    }
    const again = await run('uninstall', underlay);
    expect(changed(again)).toEqual([]);
    for (const [h, c] of Object.entries(again.recap.hosts)) expect(c.changed, h).toBe(0);
  });
});
