// `ovnctl uninstall` end to end on the shared lab: nothing of OVN/OVS left running or configured, a
// second run changes nothing, install brings a healthy cluster back, --limit removes one node (and its
// chassis) while the rest stays healthy, --purge removes the packages. Ends with the lab installed.
import { beforeAll, expect, it } from 'vitest';
import { ovnctl, parseEvents } from '../helpers/cli.js';
import { describeLab, labContext, labHosts, sshOk } from '../helpers/lab.js';

const PACKAGES = [
  'ovn-central',
  'ovn-host',
  'ovn-common',
  'openvswitch-switch',
  'openvswitch-common',
  'python3-openvswitch',
];

describeLab('uninstall on the lab', () => {
  const { inventory, dir } = labContext();
  let addr: Record<string, string>;
  const sh = (host: string, script: string) => sshOk(dir, host, addr[host], script);
  const run = async (...args: string[]) => {
    const r = await ovnctl([...args, '-i', inventory]);
    expect(r.code, `ovnctl ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
    return r;
  };
  /** OVN/OVS daemons and ovnkube running on a host, by their command names. */
  const daemons = async (host: string) =>
    (await sh(host, 'for d in /proc/[0-9]*; do tr "\\0" " " < $d/cmdline 2>/dev/null; echo; done'))
      .split('\n')
      .filter((l) => /\b(ovsdb-server|ovs-vswitchd|ovn-northd|ovn-controller|ovnkube)\b/.test(l));
  const chassis = async () =>
    (await sh('m1', 'ovn-sbctl --timeout=10 --bare --columns=name list Chassis')).split('\n').filter(Boolean).sort();

  beforeAll(async () => {
    addr = Object.fromEntries((await labHosts(dir)).map((h) => [h.name, h.address]));
    await run('install');
  });

  it('leaves no OVN/OVS process, no br-int, no database file, no ovnctl package source on any host', async () => {
    await run('uninstall');
    for (const h of ['m1', 'n1', 'n2']) {
      expect(await daemons(h), h).toEqual([]);
      // OVS is stopped: ask its configuration database file itself, and the kernel for the device.
      const bridges = await sh(
        h,
        `ovsdb-tool query /etc/openvswitch/conf.db ` +
          `'["Open_vSwitch",{"op":"select","table":"Bridge","where":[],"columns":["name"]}]'`,
      );
      expect(bridges, h).not.toContain('br-int');
      expect(await sh(h, 'ip -o link show | grep -c br-int || true')).toBe('0\n');
      expect(
        await sh(h, 'ls /var/lib/ovn/ /etc/ovn/ /var/lib/openvswitch/ 2>/dev/null | grep -E "ovn(nb|sb)_db" || true'),
        h,
      ).toBe('');
      expect(
        await sh(
          h,
          'ls /etc/apt/sources.list.d/ /etc/apt/trusted.gpg.d/ /usr/local/bin/ /etc/ /usr/local/lib/ | ' +
            'grep -E "ovnctl|ovnkube" || true',
        ),
        h,
      ).toBe('');
    }
    // Without --purge the packages stay.
    expect(await sh('n1', "dpkg-query -W -f='${db:Status-Abbrev}' ovn-host")).toMatch(/^ii/);
  });

  it('a second uninstall changes nothing', async () => {
    const r = await run('uninstall', '--json');
    const { recap, tasks } = parseEvents(r.stdout);
    for (const [h, c] of Object.entries(recap.hosts))
      expect(c.changed, `${h}: ${tasks.filter((t) => t.host === h && t.status === 'changed').map((t) => t.task)}`).toBe(
        0,
      );
  });

  it('install after uninstall gives a healthy cluster again (verify --smoke passes)', async () => {
    await run('install');
    await run('verify', '--smoke');
    expect(await chassis()).toEqual(['n1', 'n2']);
  });

  it('uninstall --limit n2 removes n2 and its chassis, and leaves the rest healthy', async () => {
    // A dead ovn-controller cannot deregister itself: uninstall must delete the chassis.
    await sh('n2', 'kill -9 $(cat /var/run/ovn/ovn-controller.pid)');
    expect(await chassis()).toEqual(['n1', 'n2']);
    const r = await run('uninstall', '--limit', 'n2', '--json');
    const { recap, tasks } = parseEvents(r.stdout);
    expect(Object.keys(recap.hosts)).toEqual(['n2']);
    expect(tasks.find((t) => t.task === "Delete the node's chassis from the SB database")).toMatchObject({
      host: 'n2',
      status: 'changed',
    });
    expect(await chassis()).toEqual(['n1']);
    expect(await sh('m1', 'ovn-sbctl --timeout=10 --bare --columns=name list Chassis_Private')).not.toContain('n2');
    expect(await daemons('n2')).toEqual([]);
    await run('verify', '--limit', '!n2', '--smoke');
  });

  it('--purge removes the packages and their configuration; install brings everything back', async () => {
    await run('install');
    await run('uninstall', '--purge');
    for (const h of ['m1', 'n1', 'n2']) {
      const status = await sh(
        h,
        `dpkg-query -W -f='\${Package} \${db:Status-Abbrev}\\n' ${PACKAGES.join(' ')} 2>/dev/null || true`,
      );
      expect(
        status.split('\n').filter((l) => / ii/.test(l)),
        h,
      ).toEqual([]);
      expect(
        await sh(
          h,
          'ls -d /etc/openvswitch/conf.db /var/lib/openvswitch/conf.db /etc/openvswitch/system-id.conf ' +
            '2>/dev/null || true',
        ),
        h,
      ).toBe('');
      expect(await daemons(h), h).toEqual([]);
    }
    const again = await run('uninstall', '--purge', '--json');
    for (const c of Object.values(parseEvents(again.stdout).recap.hosts)) expect(c.changed).toBe(0);
    // Leave the lab healthy for the other files.
    await run('install');
    await run('verify', '--smoke');
  });
});
