// `ovnctl gre-mesh` on a lab of its own (1 master, 2 nodes; the shared e2e lab carries OVN): the full
// mesh of GRE ports, br0 in docker0, the pod route, a no-op rerun, a host leaving the inventory, loop
// protection, and - with greMesh.underlayBridge - pods on different hosts pinging across the tunnels.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { labDown, labUnavailableReason, labUp, type Lab } from '../../src/lab/index.js';
import { ovnctl, parseEvents } from '../helpers/cli.js';
import { sshRun } from '../helpers/lab.js';

const GRE = { name: 'gre', dir: '/var/lib/ovnctl/gre-lab', masters: 1, nodes: 2 };
// Like describeLab: no lab here (not root, not Linux) skips, saying why - but CI must run it.
const unavailable = process.env.CI === 'true' ? undefined : labUnavailableReason();

/** The lab hosts have python3 (an OVS dependency) but no ping: an ICMP echo over a raw socket. */
const PING_PY =
  `
import os, socket, struct, sys, time
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
dst, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); s.settimeout(1)
ident, got = os.getpid() & 0xffff, 0
for seq in range(n):
    body = b'ovnctl'
    s.sendto(struct.pack('!BBHHH', 8, 0, csum(struct.pack('!BBHHH', 8, 0, 0, ident, seq) + body), ` +
  `ident, seq) + body, (dst, 0))
    end = time.time() + 1
    while time.time() < end:
        try: data, addr = s.recvfrom(1500)
        except socket.timeout: break
        t, _, _, i, q = struct.unpack('!BBHHH', data[(data[0] & 15) * 4:][:8])
        if t == 0 and i == ident and q == seq and addr[0] == dst: got += 1; break
print(got)
`;

describe.skipIf(unavailable !== undefined)(
  unavailable
    ? `gre-mesh on its own lab (skipped: the e2e tests need the lab: ${unavailable})`
    : 'gre-mesh on its own lab',
  () => {
    let lab: Lab;
    let addr: Record<string, string>;
    /** Modified inventories live outside the lab directory, which `lab down` must find as it left it. */
    let work: string;
    const sh = async (host: string, script: string, input?: string) => {
      const r = await sshRun(lab.dir, addr[host], script, input);
      expect(r.code, `${host}: ${script}\n${r.stderr}`).toBe(0);
      return r.stdout;
    };
    /** The inventory with greMesh settings (and maybe fewer hosts), as a file beside the lab's. */
    const inventoryWith = (file: string, greMesh: object, dropHost?: string) => {
      const doc = parse(readFileSync(lab.inventory, 'utf8')) as { hosts: Record<string, unknown>; greMesh?: object };
      doc.greMesh = greMesh;
      if (dropHost) delete doc.hosts[dropHost];
      const path = join(work, file);
      writeFileSync(path, stringify(doc));
      return path;
    };
    const greMesh = async (inventory: string) => {
      const r = await ovnctl(['gre-mesh', '-i', inventory, '--json']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      return parseEvents(r.stdout);
    };
    /** Every port on br0: name, interface type, remote_ip, protected, owner mark. */
    const portsOn = async (host: string) =>
      (
        await sh(
          host,
          'for p in $(ovs-vsctl --timeout=10 list-ports br0); ' +
            'do echo "$p $(ovs-vsctl --timeout=10 get interface $p type) ' +
            '$(ovs-vsctl --timeout=10 get interface $p options:remote_ip) ' +
            '$(ovs-vsctl --timeout=10 get port $p protected) ' +
            '$(ovs-vsctl --timeout=10 get port $p external_ids:ovnctl-peer)"; done',
        )
      )
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/"/g, ''))
        .sort();
    const gateway = { m1: '172.17.0.1', n1: '172.17.1.1', n2: '172.17.2.1' } as Record<string, string>;
    const pod = { m1: '172.17.0.2', n1: '172.17.1.2', n2: '172.17.2.2' } as Record<string, string>;

    beforeAll(async () => {
      await labDown({ dir: GRE.dir }); // a killed run may have left it
      lab = await labUp(GRE);
      work = mkdtempSync(join(tmpdir(), 'ovnctl-gre-'));
      addr = Object.fromEntries(lab.hosts.map((h) => [h.name, h.address]));
    });
    afterAll(async () => {
      if (lab) await labDown({ dir: GRE.dir });
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('builds the mesh: every host has exactly 2 GRE ports with the right remote_ip, 6 in total', async () => {
      await greMesh(lab.inventory);
      let total = 0;
      for (const h of ['m1', 'n1', 'n2']) {
        const peers = ['m1', 'n1', 'n2'].filter((p) => p !== h);
        const ports = await portsOn(h);
        expect(ports).toEqual(peers.map((p) => `gre-${p} gre ${addr[p]} true ${p}`));
        total += ports.length;
      }
      expect(total).toBe(6);
    });

    it(
      'br0 is a port of docker0, both up; docker0 holds the pod subnet gateway; ' +
        'the pod route goes through docker0',
      async () => {
        for (const h of ['m1', 'n1', 'n2']) {
          const [br0] = JSON.parse(await sh(h, 'ip -j link show br0')) as { master?: string; flags: string[] }[];
          expect(br0.master).toBe('docker0');
          expect(br0.flags).toContain('UP');
          const [docker0] = JSON.parse(await sh(h, 'ip -j addr show docker0')) as {
            flags: string[];
            addr_info: { family: string; local: string; prefixlen: number }[];
          }[];
          expect(docker0.flags).toContain('UP');
          expect(docker0.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)).toEqual([
            `${gateway[h]}/24`,
          ]);
          const routes = JSON.parse(await sh(h, 'ip -j -4 route show 172.17.0.0/16')) as {
            dst: string;
            dev: string;
            gateway?: string;
          }[];
          expect(routes).toEqual([expect.objectContaining({ dst: '172.17.0.0/16', dev: 'docker0' })]);
          expect(routes[0].gateway).toBeUndefined();
        }
      },
    );

    it('a rerun changes nothing', async () => {
      const { recap, tasks } = await greMesh(lab.inventory);
      expect(Object.keys(recap.hosts).sort()).toEqual(['m1', 'n1', 'n2']);
      expect(tasks.filter((t) => t.status === 'changed').map((t) => `${t.host}: ${t.task}: ${t.msg}`)).toEqual([]);
      for (const [h, c] of Object.entries(recap.hosts)) expect(c.changed, h).toBe(0);
    });

    it('fixes a port whose remote_ip was changed by hand', async () => {
      await sh('n1', 'ovs-vsctl --timeout=10 set interface gre-n2 options:remote_ip=10.9.9.9');
      const { tasks } = await greMesh(lab.inventory);
      expect(tasks.filter((t) => t.status === 'changed').map((t) => `${t.host}: ${t.task}`)).toEqual([
        'n1: One tunnel port per peer, protected (split horizon)',
      ]);
      expect(await portsOn('n1')).toContain(`gre-n2 gre ${addr.n2} true n2`);
    });

    describe('with greMesh.underlayBridge (the userspace datapath sends tunnels through br-phy)', () => {
      let underlay: string;
      beforeAll(async () => {
        underlay = inventoryWith('inventory-underlay.yaml', { underlayBridge: true });
        for (const h of ['m1', 'n1', 'n2']) {
          // A "pod" per host: a netns on docker0 with an address in the host's pod subnet.
          await sh(
            h,
            'ip netns add pod && ip link add vpod type veth peer name eth0 netns pod && ' +
              'ip link set vpod master docker0 up && ' +
              `ip -n pod addr add ${pod[h]}/24 dev eth0 && ip -n pod link set lo up && ip -n pod link set eth0 up && ` +
              `ip -n pod route add default via ${gateway[h]}`,
          );
        }
      });

      it(
        "moves each host's address onto br-phy without losing ovnctl's session, " + 'and a rerun changes nothing',
        async () => {
          await greMesh(underlay);
          for (const h of ['m1', 'n1', 'n2']) {
            const [brPhy] = JSON.parse(await sh(h, 'ip -j addr show br-phy')) as { addr_info: { local: string }[] }[];
            expect(brPhy.addr_info.map((a) => a.local)).toContain(addr[h]);
            expect((await sh(h, 'ovs-vsctl --timeout=10 list-ports br-phy')).split('\n')).toContain('eth0');
            expect(JSON.parse(await sh(h, 'ip -j -4 addr show eth0'))[0]?.addr_info ?? []).toEqual([]);
          }
          const { recap, tasks } = await greMesh(underlay);
          expect(tasks.filter((t) => t.status === 'changed').map((t) => `${t.host}: ${t.task}: ${t.msg}`)).toEqual([]);
          for (const [h, c] of Object.entries(recap.hosts)) expect(c.changed, h).toBe(0);
        },
      );

      it('a pod on one host pings pods on the others, across the GRE ports', async () => {
        // Read from the datapath now (the Interface statistics column is refreshed only every few seconds).
        const rx = async () => Number(/rx pkts=(\d+)/.exec(await sh('n1', 'ovs-ofctl dump-ports br0 gre-m1'))?.[1]);
        const before = await rx();
        for (const [from, to] of [
          ['m1', 'n1'],
          ['m1', 'n2'],
          ['n2', 'n1'],
        ]) {
          const replies = Number((await sh(from, `ip netns exec pod python3 - ${pod[to]} 5`, PING_PY)).trim());
          expect(replies, `${from} pod -> ${to} pod ${pod[to]}`).toBeGreaterThan(0);
        }
        expect(await rx()).toBeGreaterThan(before);
      });

      it(
        'loop protection: a broadcast that arrives over a tunnel goes to the local side only, ' +
          'never into another tunnel',
        async () => {
          for (const h of ['m1', 'n1', 'n2']) {
            const [a, b] = ['m1', 'n1', 'n2'].filter((p) => p !== h);
            // From the local side a broadcast goes into both tunnels (so the trace can show tunnel output)...
            const local = await sh(
              h,
              'ovs-appctl ofproto/trace br0 in_port=LOCAL,dl_src=02:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff',
            );
            expect(local.match(/tnl_push/g), local).toHaveLength(2);
            // ...from a tunnel it goes only to br0's own port.
            for (const from of [a, b]) {
              const trace = await sh(
                h,
                `ovs-appctl ofproto/trace br0 in_port=gre-${from},dl_src=02:00:00:00:00:02,dl_dst=ff:ff:ff:ff:ff:ff`,
              );
              const actions = /Datapath actions: (.*)/.exec(trace)?.[1] ?? '';
              expect(actions, trace).toMatch(/^\d+$/);
              expect(trace).toContain('between protected ports');
            }
          }
        },
      );

      it("a host removed from the inventory loses its ports on every other host; others' ports stay", async () => {
        const without = inventoryWith('inventory-without-n2.yaml', { underlayBridge: true }, 'n2');
        const { recap } = await greMesh(without);
        expect(Object.keys(recap.hosts).sort()).toEqual(['m1', 'n1']);
        expect(await portsOn('m1')).toEqual([`gre-n1 gre ${addr.n1} true n1`]);
        expect(await portsOn('n1')).toEqual([`gre-m1 gre ${addr.m1} true m1`]);
        const replies = Number((await sh('m1', `ip netns exec pod python3 - ${pod.n1} 5`, PING_PY)).trim());
        expect(replies).toBeGreaterThan(0);
      });
    });
  },
);
