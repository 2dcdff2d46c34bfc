// The gre-mesh facts parse what the hosts print (samples from a lab host), and the playbook loads.
import { describe, expect, it } from 'vitest';
import { ovsLayout, parseOvsLayout } from '../../../src/facts/net-ovs.js';
import { ipLinks, ipv4Routes, parseLinks, procSys } from '../../../src/facts/net.js';
import { bundledPlaybook } from '../../../src/cli/paths.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { guideInventory } from '../../helpers/inventory.js';

// `ovs-vsctl --format=json list` of Bridge, Port and Interface on a lab host with the mesh and br-phy.
const LAYOUT = [
  '{"data":[[["uuid","b1"],"br-phy","netdev",["map",[["hwaddr","26:26:bb:ab:10:68"]]],' +
    '["set",[["uuid","p-eth0"],["uuid","p-brphy"]]]],' +
    '[["uuid","b2"],"br0","netdev",["map",[]],["set",[["uuid","p-m1"],["uuid","p-br0"],["uuid","p-n2"]]]],' +
    '[["uuid","b3"],"br-lone","",["map",[]],["uuid","p-lone"]]],' +
    '"headings":["_uuid","name","datapath_type","other_config","ports"]}',
  '@@ovnctl-table@@',
  '{"data":[[["uuid","p-eth0"],"eth0",false,["map",[]],["uuid","i-eth0"]],' +
    '[["uuid","p-m1"],"gre-m1",true,["map",[["ovnctl-peer","m1"]]],["uuid","i-m1"]],' +
    '[["uuid","p-br0"],"br0",false,["map",[]],["uuid","i-br0"]],' +
    '[["uuid","p-n2"],"gre-n2",true,["map",[["ovnctl-peer","n2"]]],["uuid","i-n2"]],' +
    '[["uuid","p-brphy"],"br-phy",false,["map",[]],["uuid","i-brphy"]],' +
    '[["uuid","p-lone"],"br-lone",false,["map",[]],["uuid","i-lone"]]],' +
    '"headings":["_uuid","name","protected","external_ids","interfaces"]}',
  '@@ovnctl-table@@',
  '{"data":[[["uuid","i-n2"],"gre-n2","gre",["map",[["remote_ip","10.213.18.12"]]],4,["set",[]]],' +
    '[["uuid","i-br0"],"br0","internal",["map",[]],65534,["set",[]]],' +
    '[["uuid","i-brphy"],"br-phy","internal",["map",[]],65534,["set",[]]],' +
    '[["uuid","i-eth0"],"eth0","",["map",[]],1,["set",[]]],' +
    '[["uuid","i-lone"],"br-lone","internal",["map",[]],65534,["set",[]]],' +
    '[["uuid","i-m1"],"gre-m1","gre",["map",[["remote_ip","10.213.18.10"]]],["set",[]],' +
    '"could not add network device gre-m1 to ofproto (File exists)"]],' +
    '"headings":["_uuid","name","type","options","ofport","error"]}',
].join('\n');

describe('net.ovs-layout', () => {
  it('joins bridges, ports and interfaces, with the mark, protection and errors', () => {
    const l = parseOvsLayout(LAYOUT);
    expect(l.bridges.map((b) => [b.name, b.datapathType, b.ports])).toEqual([
      ['br-phy', 'netdev', ['br-phy', 'eth0']],
      ['br0', 'netdev', ['br0', 'gre-m1', 'gre-n2']],
      ['br-lone', '', ['br-lone']], // a one-element set is printed as the bare uuid
    ]);
    expect(l.bridges[0].otherConfig).toEqual({ hwaddr: '26:26:bb:ab:10:68' });
    const n2 = l.ports.find((p) => p.name === 'gre-n2')!;
    expect(n2).toEqual({
      name: 'gre-n2',
      bridge: 'br0',
      protected: true,
      externalIds: { 'ovnctl-peer': 'n2' },
      interfaces: [{ name: 'gre-n2', type: 'gre', options: { remote_ip: '10.213.18.12' }, ofport: 4, error: '' }],
    });
    const m1 = l.ports.find((p) => p.name === 'gre-m1')!.interfaces[0];
    expect([m1.ofport, m1.error]).toEqual([-1, 'could not add network device gre-m1 to ofproto (File exists)']);
  });
  it('is null when OVSDB cannot be reached', () => {
    expect(ovsLayout.parse('', 1)).toBeNull();
  });
});

describe('net.links and net.routes4', () => {
  it('reads kind, master, admin state and addresses from ip -j -d addr show', () => {
    const out = JSON.stringify([
      {
        ifname: 'eth0',
        flags: ['BROADCAST', 'UP', 'LOWER_UP'],
        address: '26:26:bb:ab:10:68',
        linkinfo: { info_kind: 'veth' },
        addr_info: [{ family: 'inet6', local: 'fe80::1', prefixlen: 64 }],
      },
      {
        ifname: 'br0',
        flags: ['BROADCAST', 'PROMISC'],
        master: 'docker0',
        address: '0e:5c:18:26:d1:48',
        linkinfo: { info_kind: 'tun', info_slave_kind: 'bridge' },
        addr_info: [],
      },
      {
        ifname: 'docker0',
        flags: ['UP'],
        address: '0e:5c:18:26:d1:48',
        linkinfo: { info_kind: 'bridge' },
        addr_info: [{ family: 'inet', local: '172.17.1.1', prefixlen: 24 }],
      },
      { ifname: 'enp1s0', flags: ['UP'], address: '52:54:00:00:00:01' },
    ]);
    expect(parseLinks(out)).toEqual([
      {
        name: 'eth0',
        kind: 'veth',
        up: true,
        mac: '26:26:bb:ab:10:68',
        addresses: [{ family: 'inet6', local: 'fe80::1', prefixlen: 64 }],
      },
      { name: 'br0', kind: 'tun', master: 'docker0', up: false, mac: '0e:5c:18:26:d1:48', addresses: [] },
      {
        name: 'docker0',
        kind: 'bridge',
        up: true,
        mac: '0e:5c:18:26:d1:48',
        addresses: [{ family: 'inet', local: '172.17.1.1', prefixlen: 24 }],
      },
      { name: 'enp1s0', kind: '', up: true, mac: '52:54:00:00:00:01', addresses: [] },
    ]);
    expect(ipLinks.parse('', 255)).toBeNull();
  });
  it('reads routes, and reads /proc/sys by sysctl name', () => {
    const out =
      '[{"dst":"default","gateway":"10.0.0.1","dev":"eth0","protocol":"dhcp","flags":[]},' +
      '{"dst":"172.17.0.0/16","dev":"docker0","scope":"link","flags":[]}]';
    expect(ipv4Routes.parse(out, 0)).toEqual([
      { dst: 'default', gateway: '10.0.0.1', dev: 'eth0', protocol: 'dhcp', scope: undefined },
      { dst: '172.17.0.0/16', dev: 'docker0', scope: 'link', gateway: undefined, protocol: undefined },
    ]);
    expect(procSys('net.ipv4.ip_forward').command).toBe('cat /proc/sys/net/ipv4/ip_forward');
    expect(procSys('net.ipv4.ip_forward').parse('1\n', 0)).toBe('1');
  });
});

describe('playbooks/gre-mesh.yaml', () => {
  const settings = {
    bridge: 'br0',
    podNetwork: '172.17.0.0/16',
    linuxBridge: 'docker0',
    tunnelType: 'gre',
    underlayBridge: false,
  };
  const load = (greMesh: object, extraVars = {}) => {
    const inv = guideInventory({ extra: { greMesh } });
    return loadPlaybook(bundledPlaybook('gre-mesh'), inv, { selected: inv.hosts, extraVars });
  };
  const task = (pb: ReturnType<typeof load>, module: string) =>
    pb.plays.flatMap((p) => p.tasks).find((t) => t.module.name === module)!;

  it('loads for every host, masters included, with the greMesh settings in the module arguments', () => {
    const pb = load(settings);
    expect(pb.plays.at(-1)!.targets).toEqual(['m1', 'n1', 'n2']);
    expect(task(pb, 'tunnel_mesh').prepared.get('n1')).toEqual({ run: true, args: { bridge: 'br0', type: 'gre' } });
    expect(task(pb, 'pod_bridge').prepared.get('m1')!.args).toEqual({
      name: 'docker0',
      ports: ['br0'],
      podNetwork: '172.17.0.0/16',
      hostSubnets: null,
    });
    expect(task(pb, 'ip_route').prepared.get('m1')!.args).toEqual({ dst: '172.17.0.0/16', dev: 'docker0' });
  });

  it('moves the underlay onto br-phy only with underlayBridge (or -e greMesh.underlayBridge=true)', () => {
    expect(task(load(settings), 'ovs_underlay').prepared.get('n2')!.run).toBe(false);
    const on = task(load({ ...settings, underlayBridge: true }), 'ovs_underlay').prepared.get('n2')!;
    expect(on).toEqual({ run: true, args: { bridge: 'br-phy', address: '192.168.50.12', datapathType: 'system' } });
    expect(task(load(settings, { 'greMesh.underlayBridge': true }), 'ovs_underlay').prepared.get('n2')!.run).toBe(true);
  });

  it('passes hostSubnets through when set', () => {
    const pb = load({ ...settings, hostSubnets: { n1: '172.17.9.0/24' } });
    expect(task(pb, 'pod_bridge').prepared.get('n1')!.args).toMatchObject({ hostSubnets: { n1: '172.17.9.0/24' } });
  });
});
