// On a lab of its own (fresh hosts): --check changes nothing, then a node added to the inventory
// joins with a run limited to it, and nothing changes elsewhere.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { labAddHost, labDown, labUp, type Lab } from '../../src/lab/index.js';
import { ovnctl, parseEvents } from '../helpers/cli.js';
import { describeLab, sshRun } from '../helpers/lab.js';

const GROW = { name: 'grow', dir: '/var/lib/ovnctl/grow-lab', masters: 1, nodes: 1 };

describeLab('a fresh lab that grows', () => {
  let lab: Lab;
  // Packages (hashed: a long list) and the names of running processes. ps runs alone inside $(…)
  // so the probe's own pipeline (sort, sha256sum) never races into the list.
  const state = (address: string) =>
    sshRun(
      lab.dir,
      address,
      "dpkg-query -W -f='${Package} ${Status}\\n' | sort | sha256sum; " +
        'p=$(ps -e -o comm=); printf \'%s\\n\' "$p" | sort -u',
    ).then((r) => r.stdout);

  beforeAll(async () => {
    await labDown({ dir: GROW.dir });
    lab = await labUp(GROW);
  });
  afterAll(async () => {
    if (lab) await labDown({ dir: GROW.dir });
  });

  it('install --check on fresh hosts changes nothing on them', async () => {
    const before = await Promise.all(lab.hosts.map((h) => state(h.address)));
    const r = await ovnctl(['install', '-i', lab.inventory, '--check', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { recap } = parseEvents(r.stdout);
    expect(recap.hosts.m1.changed).toBeGreaterThan(0); // it would change things
    expect(await Promise.all(lab.hosts.map((h) => state(h.address)))).toEqual(before);
    const ls = await sshRun(lab.dir, lab.hosts[0].address, 'ls /etc/apt/sources.list.d/ /usr/local/bin/');
    expect(ls.stdout).not.toMatch(/ovnctl|ovnkube/);
  });

  it('a node added to the inventory joins with a run limited to it; nothing else changes', async () => {
    expect((await ovnctl(['install', '-i', lab.inventory])).code).toBe(0);
    await labAddHost({ dir: lab.dir, name: 'n2', role: 'node' });
    const r = await ovnctl(['install', '-i', lab.inventory, '--limit', 'n2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { recap } = parseEvents(r.stdout);
    expect(Object.keys(recap.hosts)).toEqual(['n2']);
    const master = lab.hosts.find((h) => h.name === 'm1')!.address;
    const chassis = await sshRun(lab.dir, master, 'ovn-sbctl --timeout=10 --bare --columns=name list Chassis');
    expect(chassis.stdout.split(/\s+/).filter(Boolean).sort()).toEqual(['n1', 'n2']);
    const all = await ovnctl(['install', '-i', lab.inventory, '--json']);
    const rerun = parseEvents(all.stdout).recap;
    for (const h of ['m1', 'n1', 'n2']) expect(rerun.hosts[h].changed, h).toBe(0);
  });
});
