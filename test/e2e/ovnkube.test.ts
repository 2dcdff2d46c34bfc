// ovnkube as the real binary behaves (issue 16), on a lab of its own (1 master, 2 nodes): the lab's
// stand-in parses flags as the 2018 ovnkube and, at start, writes ovn-encap-type/ovn-encap-ip (and on
// nodes k8s-api-*) into the local Open_vSwitch record. n1 tunnels from a second address on its interface
// (encapIp): after install its SB chassis has that address; ovnkube killed and started again (as its
// launcher does) keeps it; a rerun changes nothing. The same for encapType vxlan. Started by hand without
// -encap-ip, ovnkube puts the address n1's name resolves to back, which the next install undoes: why
// ovnctl passes -encap-ip/-encap-type. No start was refused anywhere.
// The tests run in order on the same hosts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { labDown, labUp, type Lab } from '../../src/lab/index.js';
import {
  parseRecorderLog,
  parseRejectedLog,
  RECORDER_ARGV_LOG,
  RECORDER_PIDFILE,
  RECORDER_REJECTED_LOG,
} from '../../src/lab/ovnkube-recorder.js';
import { ovnctl, parseEvents } from '../helpers/cli.js';
import { describeLab, sshRun } from '../helpers/lab.js';

const OKUBE = { name: 'okube', dir: '/var/lib/ovnctl/okube-lab', masters: 1, nodes: 2 };
const STEP_MS = 300_000;
const LAUNCHER = '/usr/local/lib/ovnctl/ovnkube-launch';
const LOGFILE = '/var/log/openvswitch/ovnkube.log';

describeLab('ovnkube writes what ovnctl writes (a lab of its own)', () => {
  let lab: Lab;
  let scratch: string;
  let addr: Record<string, string>;
  /** n1's second address on eth0, its encapIp. */
  let second: string;
  let inventory: string;
  const on = async (host: string, script: string) => {
    const r = await sshRun(lab.dir, addr[host], script);
    expect(r.code, `${host}: ${script}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const install = async (...args: string[]) => {
    const r = await ovnctl(['install', '-i', inventory, '--json', ...args], { timeoutMs: STEP_MS });
    expect(r.code, r.stderr + r.stdout.slice(-4000)).toBe(0);
    return parseEvents(r.stdout);
  };
  const changedTasks = (events: ReturnType<typeof parseEvents>) =>
    events.tasks.filter((t) => t.status === 'changed').map((t) => `${t.host}: ${t.task} (${t.msg})`);
  const sbEncap = async (chassis: string) => {
    const out = await on('m1', `ovn-sbctl --timeout=10 --bare --columns=type,ip find Encap chassis_name=${chassis}`);
    return out.split('\n').filter(Boolean);
  };
  const ovsId = async (host: string, key: string) =>
    (await on(host, `ovs-vsctl --timeout=10 get open . external_ids:${key}`)).trim().replace(/^"(.*)"$/, '$1');
  /** Poll a condition (bounded). */
  const within = async (ms: number, what: string, cond: () => Promise<boolean>) => {
    const start = Date.now();
    while (!(await cond())) {
      if (Date.now() - start > ms) throw new Error(`not within ${ms} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const encapIs = (host: string, type: string, ip: string) =>
    within(20_000, `${host}'s SB Encap is ${type} ${ip}`, async () => {
      const e = await sbEncap(host);
      return e.length === 2 && e[0] === type && e[1] === ip;
    });
  /** ovnkube's pid on a host as the stand-in recorded it, and that it is alive. */
  const ovnkubePid = async (host: string) => {
    const pid = Number((await on(host, `cat ${RECORDER_PIDFILE}`)).trim());
    expect(await on(host, `kill -0 ${pid} && echo alive`)).toBe('alive\n');
    return pid;
  };
  /** kill -9 the running ovnkube, then start it as its launcher is started (a unit's restart does the same). */
  const killAndRestart = async (host: string) => {
    const before = await ovnkubePid(host);
    await on(host, `kill -9 ${before}; while kill -0 ${before} 2>/dev/null; do sleep 0.1; done`);
    await on(host, `setsid ${LAUNCHER} >> ${LOGFILE} 2>&1 < /dev/null & echo $! > /var/run/ovnkube.pid`);
    await within(10_000, `ovnkube on ${host} started again`, async () => {
      const starts = parseRecorderLog(await on(host, `cat ${RECORDER_ARGV_LOG}`));
      return starts.length > 0 && starts.at(-1)!.pid !== before;
    });
    return ovnkubePid(host);
  };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'ovnctl-okube-'));
    await labDown({ dir: OKUBE.dir });
    lab = await labUp(OKUBE);
    addr = Object.fromEntries(lab.hosts.map((h) => [h.name, h.address]));
    // An address of the lab subnet that no host has (hosts count up from .10).
    second = lab.subnet.replace(/\.0\/24$/, '.200');
    expect(Object.values(addr)).not.toContain(second);
    await on('n1', `ip addr add ${second}/24 dev eth0`);
    const inv = parse(readFileSync(lab.inventory, 'utf8'));
    inv.hosts.n1.encapIp = second;
    inventory = join(scratch, 'inventory.yaml');
    writeFileSync(inventory, stringify(inv));
  }, 900_000);
  afterAll(async () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    if (lab && process.env.OVNCTL_E2E_KEEP_LAB !== '1') await labDown({ dir: OKUBE.dir });
  });

  it('install: n1 tunnels from its second address, in OVS and in its SB chassis; ovnkube wrote the same', async () => {
    await install();
    expect(await sbEncap('n1')).toEqual(['geneve', second]);
    expect(await sbEncap('n2')).toEqual(['geneve', addr.n2]);
    expect(await ovsId('n1', 'ovn-encap-ip')).toBe(second);
    // ovnkube started once on each host, with the encap flags, and did its writes (the k8s-api-* keys are
    // only its own), and nothing was refused.
    const token = readFileSync(join(lab.dir, 'k8s-token'), 'utf8').trim();
    for (const h of ['m1', 'n1', 'n2']) {
      const starts = parseRecorderLog(await on(h, `cat ${RECORDER_ARGV_LOG}`));
      expect(starts).toHaveLength(1);
      expect(starts[0].argv).toContain(`-encap-ip=${h === 'n1' ? second : addr[h]}`);
      expect(starts[0].argv).toContain('-encap-type=geneve');
      expect(await on(h, `cat ${RECORDER_REJECTED_LOG} 2>/dev/null; true`)).toBe('');
    }
    for (const h of ['n1', 'n2']) {
      expect(await ovsId(h, 'k8s-api-token')).toBe(token);
      expect(await ovsId(h, 'k8s-api-server')).toBe(`http://${addr.m1}:8080`);
      expect(await on(h, 'cat /etc/cni/net.d/10-ovn-kubernetes.conf')).toBe(
        '{"cniVersion":"0.3.1","name":"ovn-kubernetes","type":"ovn-k8s-cni-overlay","ipam":{},"dns":{}}',
      );
    }
    expect(await on('m1', 'ovs-vsctl --timeout=10 get open . external_ids')).not.toMatch(/k8s-api/);
  });

  it('ovnkube killed and started again keeps n1 on its second address; a rerun changes nothing', async () => {
    await killAndRestart('n1');
    expect(await ovsId('n1', 'ovn-encap-ip')).toBe(second);
    await encapIs('n1', 'geneve', second);
    expect(changedTasks(await install())).toEqual([]);
    expect(await sbEncap('n1')).toEqual(['geneve', second]);
  });

  it('ovnkube by hand without -encap-ip: the address n1 resolves to comes back; install undoes it', async () => {
    // The args file less the encap flags, as an ovnctl before 9d419eb passed them; its own record dir so
    // the lab's record stays the running one's. Stopped once it ran: one ovnkube per host.
    const byHand = [
      'set --',
      `while IFS= read -r a; do case $a in -encap-*) ;; *) set -- "$@" "$a" ;; esac; done < /etc/ovnctl/ovnkube.args`,
      'rm -rf /tmp/by-hand',
      'OVNKUBE_STANDIN_DIR=/tmp/by-hand setsid /usr/local/bin/ovnkube "$@" </dev/null >/tmp/by-hand.out 2>&1 &',
      'for i in $(seq 100); do test -s /tmp/by-hand/pid && break; sleep 0.1; done',
      'kill $(cat /tmp/by-hand/pid)',
    ].join('\n');
    await on('n1', byHand);
    expect(await ovsId('n1', 'ovn-encap-ip')).toBe(addr.n1);
    await encapIs('n1', 'geneve', addr.n1);
    const fix = changedTasks(await install());
    console.log(`[okube] install after ovnkube ran without -encap-ip: ${fix.join('; ')}`);
    expect(fix.length).toBeGreaterThan(0);
    expect(fix.every((t) => t.startsWith('n1: '))).toBe(true);
    expect(await ovsId('n1', 'ovn-encap-ip')).toBe(second);
    await encapIs('n1', 'geneve', second);
    expect(changedTasks(await install())).toEqual([]);
  });

  it('encapType vxlan: in OVS and SB for each chassis, after an ovnkube restart too; rerun: no change', async () => {
    const inv = parse(readFileSync(inventory, 'utf8'));
    inv.cluster = { ...inv.cluster, encapType: 'vxlan' };
    writeFileSync(inventory, stringify(inv));
    const first = await install();
    // ovnkube restarted where its flags changed: everywhere (-encap-type is on every host's line).
    const ovnkubeTasks = first.tasks.filter((t) => t.status === 'changed' && /ovnkube/i.test(t.task));
    expect(ovnkubeTasks.map((t) => t.host).sort()).toEqual(['m1', 'n1', 'n2']);
    await encapIs('n1', 'vxlan', second);
    await encapIs('n2', 'vxlan', addr.n2);
    for (const h of ['m1', 'n1', 'n2']) expect(await ovsId(h, 'ovn-encap-type')).toBe('vxlan');
    await killAndRestart('n2');
    expect(await ovsId('n2', 'ovn-encap-type')).toBe('vxlan');
    await encapIs('n2', 'vxlan', addr.n2);
    expect(changedTasks(await install())).toEqual([]);
  });

  it('no ovnkube start on any host was refused', async () => {
    for (const h of ['m1', 'n1', 'n2']) {
      const rejected = parseRejectedLog(await on(h, `cat ${RECORDER_REJECTED_LOG} 2>/dev/null; true`));
      expect(rejected.map((s) => s.error)).toEqual([]);
    }
  });
});
