// tunnel_mesh and its port names: one protected tunnel port per peer, reconciled from the OVS layout.
import { describe, expect, it } from 'vitest';
import { TaskFailure } from '../../../src/errors.js';
import type { OvsLayout, OvsPort } from '../../../src/facts/net-ovs.js';
import { tunnelMesh } from '../../../src/operations/gre-mesh.js';
import { IFNAME_MAX, tunnelPortName } from '../../../src/operations/gre-names.js';
import { guideInventory, host } from '../../helpers/inventory.js';
import { planWith, scripts } from '../../helpers/plan.js';

const inv = guideInventory(); // m1 10.0.0.10, n1 10.0.0.11, n2 10.0.0.12 with encapIp 192.168.50.12
const [m1, n1] = inv.hosts;

/** A port as the layout fact reads it; `peer` marks it as ovnctl's. */
function port(
  name: string,
  remoteIp: string,
  o: {
    peer?: string;
    bridge?: string;
    type?: string;
    protected?: boolean;
    ofport?: number;
    error?: string;
    options?: Record<string, string>;
  } = {},
): OvsPort {
  return {
    name,
    bridge: o.bridge ?? 'br0',
    protected: o.protected ?? true,
    externalIds: o.peer ? { 'ovnctl-peer': o.peer } : {},
    interfaces: [
      {
        name,
        type: o.type ?? 'gre',
        options: o.options ?? { remote_ip: remoteIp },
        ofport: o.ofport ?? 5,
        error: o.error ?? '',
      },
    ],
  };
}

function layout(...ports: OvsPort[]): OvsLayout {
  const bridges = [...new Set(['br0', ...ports.map((p) => p.bridge)])].map((name) => ({
    name,
    datapathType: 'netdev',
    otherConfig: {},
    ports: [name, ...ports.filter((p) => p.bridge === name).map((p) => p.name)].sort(),
  }));
  return { bridges, ports: [port('br0', '', { protected: false, type: 'internal', options: {} }), ...ports] };
}

const converged = () => [port('gre-n1', '10.0.0.11', { peer: 'n1' }), port('gre-n2', '192.168.50.12', { peer: 'n2' })];
const planFor = (l: OvsLayout | null, o: { type?: string; inventory?: typeof inv; on?: typeof m1 } = {}) =>
  planWith(
    tunnelMesh,
    { bridge: 'br0', type: o.type ?? 'gre' },
    { 'net.ovs-layout': l },
    o.inventory ?? inv,
    o.on ?? m1,
  );

const ADD_N1_OP =
  `add-port br0 gre-n1 protected=true 'external_ids:ovnctl-peer="n1"' ` +
  `-- set interface gre-n1 type=gre 'options={remote_ip="10.0.0.11"}'`;
const ADD_N2_OP =
  `add-port br0 gre-n2 protected=true 'external_ids:ovnctl-peer="n2"' ` +
  `-- set interface gre-n2 type=gre 'options={remote_ip="192.168.50.12"}'`;
/** After the transaction: the error column of every port it made, read in one call; any error fails. */
const check = (names: string) =>
  ' && bad=$(ovs-vsctl --timeout=5 --columns=name,error --format=csv --data=bare --no-headings ' +
  `list interface ${names}` +
  ` | awk -F, '$2 != ""') && { [ -z "$bad" ] || { echo "$bad" >&2; exit 1; }; }`;
/** ovs-vsctl's timeout for a transaction of n operations: 10 s and a second per 4 ports. */
const vsctl = (n: number) => `ovs-vsctl --timeout=${10 + Math.ceil(n / 4)}`;
const ADD_N1 = `${vsctl(1)} ${ADD_N1_OP}${check('gre-n1')}`;

describe('tunnel port names', () => {
  it('is gre-<peer> when that fits in 15 characters', () => {
    expect(tunnelPortName('gre', 'n1')).toBe('gre-n1');
    expect(tunnelPortName('gre', 'worker-1234')).toBe('gre-worker-1234'); // 15: still fits
    expect(tunnelPortName('vxlan', 'n1')).toBe('vxl-n1');
    expect(tunnelPortName('geneve', 'n1')).toBe('gnv-n1');
  });
  it('shortens long names deterministically, within the limit, distinct for peers that share a start', () => {
    const a = tunnelPortName('gre', 'worker-a.cluster.example.com');
    const b = tunnelPortName('gre', 'worker-b.cluster.example.com');
    expect(a).toMatch(/^gre-worker-[0-9a-f]{4}$/);
    expect(a.length).toBeLessThanOrEqual(IFNAME_MAX);
    expect(b.length).toBeLessThanOrEqual(IFNAME_MAX);
    expect(a).not.toBe(b);
    expect(tunnelPortName('gre', 'worker-a.cluster.example.com')).toBe(a);
  });
});

describe('tunnel_mesh', () => {
  it('adds one protected, marked port per other inventory host, to its encapIp', async () => {
    const plan = await planFor(layout());
    // Both ports in one ovs-vsctl call (one OVSDB transaction, one round trip), then one check of both.
    expect(scripts(plan)).toEqual([`${vsctl(2)} ${ADD_N1_OP} -- ${ADD_N2_OP}${check('gre-n1 gre-n2')}`]);
    expect(plan.msg).toBe('add 2 gre port(s) on br0');
  });

  it('plans every port when OVSDB cannot be read yet (--check before Open vSwitch is installed)', async () => {
    const [script, ...more] = scripts(await planFor(null));
    expect(more).toEqual([]);
    expect(script).toContain(ADD_N1_OP);
    expect(script).toContain(ADD_N2_OP);
  });

  it('changes nothing when every port is right', async () => {
    const plan = await planFor(layout(...converged()));
    expect(plan.commands).toEqual([]);
    expect(plan.msg).toBe('2 gre ports on br0: gre-n1, gre-n2');
  });

  it('fixes a wrong remote_ip in place, and replaces stray options', async () => {
    const plan = await planFor(
      layout(
        port('gre-n1', '10.9.9.9', { peer: 'n1' }),
        port('gre-n2', '192.168.50.12', { peer: 'n2', options: { remote_ip: '192.168.50.12', key: '5' } }),
      ),
    );
    expect(scripts(plan)).toEqual([
      `${vsctl(2)} set port gre-n1 protected=true 'external_ids:ovnctl-peer="n1"' ` +
        `-- set interface gre-n1 type=gre 'options={remote_ip="10.0.0.11"}' ` +
        `-- set port gre-n2 protected=true 'external_ids:ovnctl-peer="n2"' ` +
        `-- set interface gre-n2 type=gre 'options={remote_ip="192.168.50.12"}'${check('gre-n1 gre-n2')}`,
    ]);
    expect(plan.diff?.before).toContain('gre-n1 on br0: type=gre remote_ip=10.9.9.9 protected');
    expect(plan.diff?.after).toContain('gre-n1 on br0: type=gre remote_ip=10.0.0.11 protected');
  });

  it('protects a port that lost its protection', async () => {
    const plan = await planFor(layout(port('gre-n1', '10.0.0.11', { peer: 'n1', protected: false }), converged()[1]));
    expect(scripts(plan)).toEqual([expect.stringMatching(/^ovs-vsctl --timeout=11 set port gre-n1 protected=true /)]);
  });

  it('removes the port of a peer that left the inventory, and never a port it did not make', async () => {
    const without = guideInventory({ hosts: inv.hosts.filter((h) => h.name !== 'n2') });
    const plan = await planFor(
      layout(...converged(), port('gre0', '10.1.1.1'), port('gre-old', '10.0.0.99', { peer: 'old' })),
      { inventory: without },
    );
    expect(scripts(plan)).toEqual([`${vsctl(2)} --if-exists del-port br0 gre-n2 -- --if-exists del-port br0 gre-old`]);
    expect(plan.msg).toBe('remove 2 gre port(s) on br0');
  });

  it('adopts a port the guide made under the same name, marking it', async () => {
    const plan = await planFor(layout(port('gre-n1', '10.0.0.11'), converged()[1]));
    expect(scripts(plan)).toEqual([
      expect.stringContaining(`set port gre-n1 protected=true 'external_ids:ovnctl-peer="n1"'`),
    ]);
  });

  it(
    'fails, naming the culprit, when another port already tunnels to the peer ' + '(ovs-vswitchd refuses twins)',
    async () => {
      const p = planFor(layout(port('gre0', '10.0.0.11'), converged()[1]));
      await expect(p).rejects.toThrow(TaskFailure);
      await expect(p).rejects.toThrow(
        /gre-n1 \(to n1\): port gre0 on br0 is already a gre tunnel to 10.0.0.11.*ovs-vsctl del-port gre0/,
      );
    },
  );

  it('makes a refused port again once its twin is gone (ovs-vswitchd does not retry)', async () => {
    const plan = await planFor(
      layout(
        port('gre-n1', '10.0.0.11', {
          peer: 'n1',
          ofport: -1,
          error: 'could not add network device gre-n1 to ofproto (File exists)',
        }),
        converged()[1],
      ),
    );
    // The old row goes in a transaction before the new one is made: one round trip still.
    expect(scripts(plan)).toEqual([`${vsctl(1)} del-port br0 gre-n1 && ${ADD_N1}`]);
    expect(plan.diff?.before).toContain('refused: could not add network device');
  });

  it('moves to the new names when the tunnel type changes', async () => {
    const plan = await planFor(layout(...converged()), { type: 'vxlan' });
    expect(scripts(plan)).toEqual([
      `${vsctl(2)} --if-exists del-port br0 gre-n1 -- --if-exists del-port br0 gre-n2 && ${vsctl(2)} ` +
        `add-port br0 vxl-n1 protected=true 'external_ids:ovnctl-peer="n1"' ` +
        `-- set interface vxl-n1 type=vxlan 'options={remote_ip="10.0.0.11"}' ` +
        `-- add-port br0 vxl-n2 protected=true 'external_ids:ovnctl-peer="n2"' ` +
        `-- set interface vxl-n2 type=vxlan 'options={remote_ip="192.168.50.12"}'${check('vxl-n1 vxl-n2')}`,
    ]);
  });

  it('refuses a foreign port with its name on another bridge', async () => {
    await expect(planFor(layout(port('gre-n1', '10.0.0.11', { bridge: 'br-ex' }), converged()[1]))).rejects.toThrow(
      /gre-n1 .*already exists on bridge br-ex, not made by ovnctl/,
    );
  });

  it('moves its own ports when the bridge setting changed', async () => {
    const plan = await planFor(layout(port('gre-n1', '10.0.0.11', { peer: 'n1', bridge: 'br-old' }), converged()[1]));
    expect(scripts(plan)).toEqual([`${vsctl(1)} --if-exists del-port br-old gre-n1 && ${ADD_N1}`]);
  });

  it('fails, naming it, when a peer named by DNS has no endpoint read (outside --limit)', async () => {
    const dns = guideInventory({ hosts: [m1, n1, { ...host('n3', 'n3.example.net', ['node']), encapIp: '' }] });
    await expect(planFor(layout(), { inventory: dns })).rejects.toThrow(
      /the tunnel endpoint of n3 is not known: named by DNS and outside --limit/,
    );
  });

  it('fails when two hosts share a tunnel endpoint', async () => {
    const twins = guideInventory({ hosts: [m1, n1, host('n3', '10.0.0.13', ['node'], { encapIp: '10.0.0.11' })] });
    await expect(planFor(layout(), { inventory: twins })).rejects.toThrow(
      /n1 and n3 share the tunnel endpoint 10.0.0.11/,
    );
    await expect(planFor(layout(), { inventory: twins, on: n1 })).rejects.toThrow(
      /n1 and n3 share the tunnel endpoint 10.0.0.11/,
    );
  });

  it('gives n hosts n·(n−1) ports in all, each host its ports in one command', async () => {
    const big = guideInventory({
      hosts: Array.from({ length: 50 }, (_, i) => host(`h${i}`, `10.0.${i >> 8}.${(i % 250) + 1}`, ['node'])),
    });
    let total = 0;
    for (const h of big.hosts) {
      const plan = await planFor(layout(), { inventory: big, on: h });
      expect(plan.commands).toHaveLength(1);
      total += scripts(plan)[0].split(' add-port br0 ').length - 1;
      expect(scripts(plan)[0]).toMatch(/^ovs-vsctl --timeout=23 add-port /); // 10 s + 49 ports / 4
    }
    expect(total).toBe(50 * 49);
  });
});
