// `ovnctl install` end to end on the shared lab (1 master, 2 nodes): a working OVN cluster, a no-op
// rerun, --limit/--role, and ovnkube restarted only where its flags change.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseRecorderLog, RECORDER_ARGV_LOG } from '../../src/lab/index.js';
import { ovnctl, parseEvents } from '../helpers/cli.js';
import { describeLab, labContext, labHosts, sshOk } from '../helpers/lab.js';

describeLab('install on the lab', () => {
  const { inventory, dir } = labContext();
  let addr: Record<string, string>;
  const sh = (host: string, script: string) => sshOk(dir, host, addr[host], script);
  /** The argv of every ovnkube start the recorder saw on a host, and how many run now. */
  const ovnkubeOn = async (host: string) => {
    const starts = parseRecorderLog(await sh(host, `cat ${RECORDER_ARGV_LOG} 2>/dev/null || true`));
    const running = (
      await sh(
        host,
        `for d in /proc/[0-9]*; do tr '\\0' '\\n' < $d/cmdline 2>/dev/null | ` +
          `grep -qx /usr/local/bin/ovnkube && echo \${d#/proc/}; done; true`,
      )
    )
      .split('\n')
      .filter(Boolean);
    return { starts, running };
  };

  beforeAll(async () => {
    addr = Object.fromEntries((await labHosts(dir)).map((h) => [h.name, h.address]));
    const r = await ovnctl(['install', '-i', inventory]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('leaves a working OVN cluster: both nodes are chassis with their encap IPs', async () => {
    const chassis = await sh(
      'm1',
      'ovn-sbctl --timeout=10 --format=csv --no-headings --columns=name,hostname list Chassis',
    );
    expect(
      chassis
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(',')[0].replace(/"/g, ''))
        .sort(),
    ).toEqual(['n1', 'n2']);
    for (const n of ['n1', 'n2']) {
      const ip = await sh('m1', `ovn-sbctl --timeout=10 --bare --columns=ip find Encap chassis_name=${n}`);
      expect(ip.trim()).toBe(addr[n]);
    }
  });

  it('NB and SB listen on the configured TCP ports, northd and ovn-controller run', async () => {
    const listening = await sh('m1', 'cat /proc/net/tcp /proc/net/tcp6 | awk \'$4 == "0A" {print $2}\'');
    const ports = listening
      .split('\n')
      .filter(Boolean)
      .map((a) => parseInt(a.split(':')[1], 16));
    expect(ports).toEqual(expect.arrayContaining([6641, 6642]));
    await sh('m1', 'kill -0 $(cat /var/run/ovn/ovn-northd.pid)');
    for (const n of ['n1', 'n2']) await sh(n, 'kill -0 $(cat /var/run/ovn/ovn-controller.pid)');
    // and a node reaches the SB database at the address it was given
    expect(await sh('n1', `ovn-sbctl --db=tcp:${addr.m1}:6642 --timeout=10 get-connection`)).toContain('ptcp:6642');
  });

  it('runs ovnkube exactly once per host with the guide flags', async () => {
    const token = readFileSync(join(dir, 'k8s-token'), 'utf8').trim();
    const m1 = await ovnkubeOn('m1');
    expect(m1.running).toHaveLength(1);
    expect(m1.starts.at(-1)!.argv).toEqual([
      '-k8s-kubeconfig',
      '/etc/kubernetes/kubeconfig.yaml',
      '-net-controller',
      '-loglevel=4',
      `-k8s-apiserver=http://${addr.m1}:8080`,
      '-logfile=/var/log/openvswitch/ovnkube.log',
      '-init-master=m1',
      '-encap-type=geneve',
      `-encap-ip=${addr.m1}`,
      '-cluster-subnet=11.11.0.0/16',
      '-service-cluster-ip-range=10.96.0.0/12',
      '-nodeport',
      `-nb-address=tcp://${addr.m1}:6641`,
      `-sb-address=tcp://${addr.m1}:6642`,
    ]);
    for (const n of ['n1', 'n2']) {
      const o = await ovnkubeOn(n);
      expect(o.running).toHaveLength(1);
      expect(o.starts.at(-1)!.argv).toEqual([
        '-k8s-kubeconfig',
        '/etc/kubernetes/kubeconfig.yaml',
        '-loglevel=4',
        '-logfile=/var/log/openvswitch/ovnkube.log',
        `-k8s-apiserver=http://${addr.m1}:8080`,
        `-init-node=${n}`,
        '-encap-type=geneve',
        `-encap-ip=${addr[n]}`,
        // The lab's links have MTU 1500; geneve with OVN's option takes 58.
        '-mtu=1442',
        '-nodeport',
        `-nb-address=tcp://${addr.m1}:6641`,
        `-sb-address=tcp://${addr.m1}:6642`,
        `-k8s-token=${token}`,
        '-init-gateways',
        '-service-cluster-ip-range=10.96.0.0/12',
        '-cluster-subnet=11.11.0.0/16',
      ]);
    }
  });

  it('a second install changes nothing on any host', async () => {
    const r = await ovnctl(['install', '-i', inventory, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { recap, tasks } = parseEvents(r.stdout);
    expect(Object.keys(recap.hosts).sort()).toEqual(['m1', 'n1', 'n2']);
    for (const [h, c] of Object.entries(recap.hosts))
      expect(c.changed, `${h}: ${tasks.filter((t) => t.host === h && t.status === 'changed').map((t) => t.task)}`).toBe(
        0,
      );
  });

  it('--limit nodes and --role node touch no master', async () => {
    for (const args of [
      ['--limit', 'nodes'],
      ['--role', 'node'],
    ]) {
      const r = await ovnctl(['install', '-i', inventory, '--json', ...args]);
      expect(r.code, r.stderr).toBe(0);
      const { recap, tasks } = parseEvents(r.stdout);
      expect(Object.keys(recap.hosts).sort()).toEqual(['n1', 'n2']);
      expect(tasks.some((t) => t.host === 'm1')).toBe(false);
    }
  });

  it('changing an ovnkube setting restarts ovnkube once, on the affected hosts only', async () => {
    const before = Object.fromEntries(
      await Promise.all(['m1', 'n1', 'n2'].map(async (h) => [h, await ovnkubeOn(h)] as const)),
    );
    // -init-gateways is a node flag: the master's command line does not change.
    const inv = parse(readFileSync(inventory, 'utf8'));
    inv.ovnkube = { ...inv.ovnkube, initGateways: false };
    const changed = join(mkdtempSync(join(tmpdir(), 'ovnctl-inv-')), 'inventory-no-gateways.yaml');
    writeFileSync(changed, stringify(inv));
    const r = await ovnctl(['install', '-i', changed, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { recap } = parseEvents(r.stdout);
    expect(recap.hosts.m1.changed).toBe(0);
    expect(recap.hosts.n1.changed).toBeGreaterThan(0);
    for (const h of ['m1', 'n1', 'n2']) {
      const after = await ovnkubeOn(h);
      expect(after.running).toHaveLength(1);
      const newStarts = after.starts.length - before[h].starts.length;
      expect(newStarts, h).toBe(h === 'm1' ? 0 : 1);
      if (h !== 'm1') expect(after.starts.at(-1)!.argv).not.toContain('-init-gateways');
    }
    // Back to the lab's settings (restarts the nodes' ovnkube once more).
    const back = await ovnctl(['install', '-i', inventory]);
    expect(back.code).toBe(0);
    expect((await ovnkubeOn('n1')).starts.at(-1)!.argv).toContain('-init-gateways');
  });
});
