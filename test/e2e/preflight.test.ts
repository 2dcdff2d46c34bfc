// The guide's own defaults against the lab (issue 20): wand, dkms, pip and ovnkube at /usr/bin cannot
// succeed on a Debian 12 host, and `ovnctl preflight` names each of them, on every host, in one run -
// exit 2, nothing changed; `install` with them stops every host in its Preflight play before any change.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ovnctl, parseEvents, type TaskEvent } from '../helpers/cli.js';
import { describeLab, labContext, labHosts, sshOk } from '../helpers/lab.js';

const OS = 'Debian or Ubuntu with apt, and what the settings need';
const DKMS = 'dkms datapath package and headers for the running kernel';
const SOURCE = "The package source serves this host's release (its Release file)";

describeLab("preflight: the guide's defaults on the lab", () => {
  const { inventory, dir } = labContext();
  let hosts: { name: string; address: string }[] = [];
  let tmp = '';
  let guide = '';
  /** What any change would touch first: packages, apt sources, OVS/OVN configuration, per host. */
  const state = async () =>
    Object.fromEntries(
      await Promise.all(
        hosts.map(async (h) => [
          h.name,
          await sshOk(
            dir,
            h.name,
            h.address,
            "dpkg-query -W -f='${Package} ${db:Status-Abbrev} ${Version}\\n'; ls -l /etc/apt/sources.list.d; " +
              'ls -l /etc/openvswitch /var/lib/ovn /usr/local/bin 2>/dev/null || true',
          ),
        ]),
      ),
    );
  const preflightTasks = (stdout: string, name: string): TaskEvent[] =>
    parseEvents(stdout).tasks.filter((t) => t.play === 'Preflight' && t.task === name);

  beforeAll(async () => {
    hosts = (await labHosts(dir)).map((h) => ({ name: h.name, address: h.address }));
    tmp = mkdtempSync(join(tmpdir(), 'ovnctl-preflight-'));
    // The lab's hosts, keys and cluster, with none of the lab's package, OVS or ovnkube settings: the
    // guide's defaults (packages.source wand, datapath dkms, ovsPython pip, ovnkube at /usr/bin/ovnkube).
    const inv = parse(readFileSync(inventory, 'utf8'));
    for (const k of ['packages', 'ovs', 'ovnkube']) delete inv[k];
    guide = join(tmp, 'guide.yaml');
    writeFileSync(guide, stringify(inv));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('names every failing default on every host in one run, exit 2, and changes nothing', async () => {
    const before = await state();
    const r = await ovnctl(['preflight', '-i', guide, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const names = hosts.map((h) => h.name).sort();
    const os = preflightTasks(r.stdout, OS);
    expect(os.map((t) => t.host).sort()).toEqual(names);
    for (const t of os) {
      expect(t.status).toBe('failed');
      expect(t.msg).toContain(`the wand repository carries Ubuntu suites only, and ${t.host} runs debian bookworm`);
      expect(t.msg).toContain(`ovnkube binary /usr/bin/ovnkube not found on ${t.host}`);
    }
    const dkms = preflightTasks(r.stdout, DKMS);
    expect(dkms.map((t) => t.host).sort()).toEqual(names);
    for (const t of dkms) {
      expect(t.status).toBe('failed');
      expect(t.msg).toContain(`openvswitch-datapath-dkms has no candidate on ${t.host}`);
    }
    // wand is not asked over the network for a Debian host: the first check already says why it cannot serve it.
    expect(preflightTasks(r.stdout, SOURCE).map((t) => t.status)).toEqual(hosts.map(() => 'skipped'));
    expect(await state()).toEqual(before);
  });

  it('install with the defaults stops every host in Preflight: no other play runs, nothing changes', async () => {
    const before = await state();
    const r = await ovnctl(['install', '-i', guide, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const { tasks, recap } = parseEvents(r.stdout);
    expect(tasks.filter((t) => t.play !== 'Preflight')).toEqual([]);
    for (const h of hosts) expect(recap.hosts[h.name].changed).toBe(0);
    expect(await state()).toEqual(before);
  });
});
