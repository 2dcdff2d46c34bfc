// The host half of `ovnctl preflight` on the shared lab (1 master, 2 nodes), as a user meets it: the
// system datapath on the lab's kernel (no openvswitch module), port 6641 held by another process on the
// master, a node whose encapIp is on none of its interfaces - each named, exit 2; and `install` with that
// node stops it before any change (its state is as before) while the master and the other node go on.
// Works whether or not an earlier file installed the lab.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ovnctl, parseEvents } from '../helpers/cli.js';
import { describeLab, labContext, labHosts, sshOk, sshRun } from '../helpers/lab.js';

describeLab('preflight: host checks on the lab', () => {
  const { inventory, dir } = labContext();
  let addr: Record<string, string>;
  let scratch: string;
  /** The lab's inventory with n2's encapIp an address of the lab's subnet that no host holds. */
  let badEncap: string;
  let wrongIp: string;
  const sh = (host: string, script: string) => sshOk(dir, host, addr[host], script);

  beforeAll(async () => {
    addr = Object.fromEntries((await labHosts(dir)).map((h) => [h.name, h.address]));
    scratch = mkdtempSync(join(tmpdir(), 'ovnctl-pfhost-'));
    wrongIp = addr.n2.replace(/\.\d+$/, '.250');
    expect(Object.values(addr)).not.toContain(wrongIp);
    const inv = parse(readFileSync(inventory, 'utf8'));
    inv.hosts.n2.encapIp = wrongIp;
    badEncap = join(scratch, 'inventory.yaml');
    writeFileSync(badEncap, stringify(inv));
  });
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('ovs.datapathType: system on a kernel without the openvswitch module: named on every host, exit 2', async () => {
    const r = await ovnctl(['preflight', '-i', inventory, '-e', 'ovs.datapathType=system']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    for (const h of ['m1', 'n1', 'n2'])
      expect(r.stdout).toMatch(
        new RegExp(
          `^failed: \\[${h}\\] The running kernel has the openvswitch module.*: kernel \\S+ of ${h} has no ` +
            'openvswitch module.*ovs\\.datapathType: netdev',
          'm',
        ),
      );
  });

  it('port 6641 held by another process on the master: named with its name and pid, exit 2', async () => {
    // On an installed lab OVN's own server holds the port: stop it for this test (the install below restarts it).
    await sh(
      'm1',
      '[ -x /usr/share/ovn/scripts/ovn-ctl ] && /usr/share/ovn/scripts/ovn-ctl stop_northd >/dev/null; true',
    );
    const pid = (await sh('m1', 'python3 -m http.server 6641 >/dev/null 2>&1 </dev/null & echo $!; sleep 1')).trim();
    try {
      const r = await ovnctl(['preflight', '-i', inventory]);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stdout).toMatch(
        new RegExp(
          `^failed: \\[m1\\] The OVN database ports .*port 6641 \\(NB TCP 6641\\) on m1 is held by python3 ` +
            `\\(pid ${pid}\\): stop pid ${pid} \\(or its service\\), or set cluster\\.nbPort`,
          'm',
        ),
      );
      expect(r.stdout).not.toMatch(/^failed: \[n[12]\]/m);
    } finally {
      await sshRun(dir, addr.m1, `kill ${pid}`);
    }
  });

  it("a node whose encapIp is on none of its interfaces: named with the node's addresses, exit 2", async () => {
    const r = await ovnctl(['preflight', '-i', badEncap]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toContain(`failed: [n2] The tunnel address is on an interface, and the other hosts' are routable`);
    expect(r.stdout).toContain(
      `tunnel address ${wrongIp} (encapIp) is not on any interface of n2 (its addresses: eth0 ${addr.n2}/24)`,
    );
    expect(r.stdout).not.toMatch(/^failed: \[(m1|n1)\]/m);
  });

  it('install stops that node before any change, and installs the master and the other node', async () => {
    const state = () =>
      sh(
        'n2',
        "dpkg-query -W -f='${Package} ${Status}\\n' | sort | md5sum; ls -la /etc/apt/sources.list.d /etc/default; " +
          "ls /var/run/ovn /var/run/openvswitch 2>&1; ps -eo comm= | grep -E '^(ovs|ovn)' | sort; true",
      );
    const before = await state();
    const r = await ovnctl(['install', '-i', badEncap, '--json']);
    expect(r.code, r.stderr).toBe(2);
    const { tasks, recap } = parseEvents(r.stdout);
    const n2 = tasks.filter((t) => t.host === 'n2');
    expect(
      n2.every((t) => t.play === 'Preflight'),
      JSON.stringify(n2.map((t) => [t.play, t.task])),
    ).toBe(true);
    expect(n2.filter((t) => t.status === 'failed').map((t) => t.task)).toEqual([
      "The tunnel address is on an interface, and the other hosts' are routable",
    ]);
    expect(recap.hosts.m1.failed).toBe(0);
    expect(recap.hosts.n1.failed).toBe(0);
    expect(await state()).toBe(before);
    await sh('n1', 'kill -0 $(cat /var/run/ovn/ovn-controller.pid)');
    await sh('m1', 'ovn-sbctl --timeout=10 --bare --columns=name find Chassis name=n1 | grep -qx n1');
  });
});
