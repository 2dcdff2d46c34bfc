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

const ADD_N1 =
  `ovs-vsctl --timeout=10 add-port br0 gre-n1 protected=true 'external_ids:ovnctl-peer="n1"' ` +
  `-- set interface gre-n1 type=gre 'options={remote_ip="10.0.0.11"}'` +
  ` && err=$(ovs-vsctl --timeout=10 get interface gre-n1 error)` +
  ` && { [ "$err" = '[]' ] || { echo gre-n1: "$err" >&2; exit 1; }; }`;

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
    expect(scripts(plan)).toEqual([
      ADD_N1,
      `ovs-vsctl --timeout=10 add-port br0 gre-n2 protected=true 'external_ids:ovnctl-peer="n2"' ` +
        `-- set interface gre-n2 type=gre 'options={remote_ip="192.168.50.12"}'` +
        ` && err=$(ovs-vsctl --timeout=10 get interface gre-n2 error)` +
        ` && { [ "$err" = '[]' ] || { echo gre-n2: "$err" >&2; exit 1; }; }`,
    ]);
    expect(plan.msg).toBe('add 2 gre port(s) on br0');
  });

  it('plans every port when OVSDB cannot be read yet (--check before Open vSwitch is installed)', async () => {
    expect(scripts(await planFor(null))).toHaveLength(2);
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
      `ovs-vsctl --timeout=10 set port gre-n1 protected=true 'external_ids:ovnctl-peer="n1"' ` +
        `-- set interface gre-n1 type=gre 'options={remote_ip="10.0.0.11"}'` +
        ` && err=$(ovs-vsctl --timeout=10 get interface gre-n1 error)` +
        ` && { [ "$err" = '[]' ] || { echo gre-n1: "$err" >&2; exit 1; }; }`,
      expect.stringContaining(`set port gre-n2 protected=true`),
    ]);
    expect(plan.diff?.before).toContain('gre-n1 on br0: type=gre remote_ip=10.9.9.9 protected');
    expect(plan.diff?.after).toContain('gre-n1 on br0: type=gre remote_ip=10.0.0.11 protected');
  });

  it('protects a port that lost its protection', async () => {
    const plan = await planFor(layout(port('gre-n1', '10.0.0.11', { peer: 'n1', protected: false }), converged()[1]));
    expect(scripts(plan)).toEqual([expect.stringMatching(/^ovs-vsctl --timeout=10 set port gre-n1 protected=true /)]);
  });

  it('removes the port of a peer that left the inventory, and never a port it did not make', async () => {
    const without = guideInventory({ hosts: inv.hosts.filter((h) => h.name !== 'n2') });
    const plan = await planFor(
      layout(...converged(), port('gre0', '10.1.1.1'), port('gre-old', '10.0.0.99', { peer: 'old' })),
      { inventory: without },
    );
    expect(scripts(plan)).toEqual([
      'ovs-vsctl --timeout=10 --if-exists del-port br0 gre-n2',
      'ovs-vsctl --timeout=10 --if-exists del-port br0 gre-old',
    ]);
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
    expect(scripts(plan)).toEqual(['ovs-vsctl --timeout=10 del-port br0 gre-n1', ADD_N1]);
    expect(plan.diff?.before).toContain('refused: could not add network device');
  });

  it('moves to the new names when the tunnel type changes', async () => {
    const plan = await planFor(layout(...converged()), { type: 'vxlan' });
    expect(scripts(plan)).toEqual([
      'ovs-vsctl --timeout=10 --if-exists del-port br0 gre-n1',
      'ovs-vsctl --timeout=10 --if-exists del-port br0 gre-n2',
      expect.stringContaining(
        `add-port br0 vxl-n1 protected=true 'external_ids:ovnctl-peer="n1"' ` +
          `-- set interface vxl-n1 type=vxlan 'options={remote_ip="10.0.0.11"}'`,
      ),
      expect.stringContaining(`add-port br0 vxl-n2 `),
    ]);
  });

  it('refuses a foreign port with its name on another bridge', async () => {
    await expect(planFor(layout(port('gre-n1', '10.0.0.11', { bridge: 'br-ex' }), converged()[1]))).rejects.toThrow(
      /gre-n1 .*already exists on bridge br-ex, not made by ovnctl/,
    );
  });

  it('moves its own ports when the bridge setting changed', async () => {
    const plan = await planFor(layout(port('gre-n1', '10.0.0.11', { peer: 'n1', bridge: 'br-old' }), converged()[1]));
    expect(scripts(plan)).toEqual(['ovs-vsctl --timeout=10 --if-exists del-port br-old gre-n1', ADD_N1]);
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

  it('gives n hosts n·(n−1) ports in all', async () => {
    let total = 0;
    for (const h of inv.hosts) total += (await planFor(layout(), { on: h })).commands.length;
    expect(total).toBe(6);
  });
});
