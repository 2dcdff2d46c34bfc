import { describe, expect, it } from 'vitest';
import { displayArg, ovnkubeArgs, revealArg } from '../../../src/operations/ovnkube-flags.js';
import { guideInventory, host } from '../../helpers/inventory.js';

// The guide's commands with CENTRAL_IP=10.0.0.10, the SPEC's default ports, NODE_NAME = host name, plus
// the -encap-type/-encap-ip that ovnctl adds so ovnkube writes the same external_ids as ovnctl.
const GUIDE_MASTER = [
  '-k8s-kubeconfig',
  '/etc/kubernetes/kubeconfig.yaml',
  '-net-controller',
  '-loglevel=4',
  '-k8s-apiserver=http://10.0.0.10:8080',
  '-logfile=/var/log/openvswitch/ovnkube.log',
  '-init-master=m1',
  '-encap-type=geneve',
  '-encap-ip=10.0.0.10',
  '-cluster-subnet=11.11.0.0/16',
  '-service-cluster-ip-range=10.96.0.0/12',
  '-nodeport',
  '-nb-address=tcp://10.0.0.10:6641',
  '-sb-address=tcp://10.0.0.10:6642',
];
const GUIDE_NODE = [
  '-k8s-kubeconfig',
  '/etc/kubernetes/kubeconfig.yaml',
  '-loglevel=4',
  '-logfile=/var/log/openvswitch/ovnkube.log',
  '-k8s-apiserver=http://10.0.0.10:8080',
  '-init-node=n1',
  '-encap-type=geneve',
  '-encap-ip=10.0.0.11',
  '-nodeport',
  '-nb-address=tcp://10.0.0.10:6641',
  '-sb-address=tcp://10.0.0.10:6642',
  '-k8s-token=s3cr3t-t0ken',
  '-init-gateways',
  '-service-cluster-ip-range=10.96.0.0/12',
  '-cluster-subnet=11.11.0.0/16',
];

describe('ovnkube flags', () => {
  const inv = guideInventory();
  it('match the guide for a master', () => {
    expect(ovnkubeArgs(inv.hosts[0], inv).map(revealArg)).toEqual(GUIDE_MASTER);
  });
  it('match the guide for a node, token included', () => {
    expect(ovnkubeArgs(inv.hosts[1], inv).map(revealArg)).toEqual(GUIDE_NODE);
  });
  it("give ovnkube the host's encapIp and the cluster's encapType, not what its name resolves to", () => {
    const n2 = inv.hosts[2];
    const vx = { ...inv, cluster: { ...inv.cluster, encapType: 'vxlan' as const } };
    expect(ovnkubeArgs(n2, vx).map(revealArg)).toEqual(
      expect.arrayContaining(['-encap-type=vxlan', '-encap-ip=192.168.50.12']),
    );
  });
  it('never show the token in the display form', () => {
    const shown = ovnkubeArgs(inv.hosts[1], inv).map(displayArg).join(' ');
    expect(shown).not.toContain('s3cr3t-t0ken');
    expect(shown).toContain('-k8s-token=********');
  });
  it('list every master, comma-separated, with several masters', () => {
    const three = guideInventory({
      hosts: [
        host('m1', '10.0.0.10', ['master']),
        host('m2', '10.0.0.20', ['master']),
        host('m3', '10.0.0.30', ['master']),
        host('n1', '10.0.0.11', ['node']),
      ],
    });
    const args = ovnkubeArgs(three.hosts[3], three).map(revealArg);
    expect(args).toContain('-nb-address=tcp://10.0.0.10:6641,tcp://10.0.0.20:6641,tcp://10.0.0.30:6641');
    expect(args).toContain('-sb-address=tcp://10.0.0.10:6642,tcp://10.0.0.20:6642,tcp://10.0.0.30:6642');
  });
  it('honours the guide ports 6631/6632 and drop -nodeport/-init-gateways when off', () => {
    const inv2 = guideInventory();
    inv2.cluster = { ...inv2.cluster, nbPort: 6631, sbPort: 6632 };
    inv2.ovnkube = { ...inv2.ovnkube, nodeport: false, initGateways: false };
    const args = ovnkubeArgs(inv2.hosts[1], inv2).map(revealArg);
    expect(args).toContain('-nb-address=tcp://10.0.0.10:6631');
    expect(args).not.toContain('-nodeport');
    expect(args).not.toContain('-init-gateways');
  });
  it('combine master and node flags for a host with both roles', () => {
    const single = guideInventory({ hosts: [host('aio', '10.0.0.5', ['master', 'node'])] });
    const args = ovnkubeArgs(single.hosts[0], single).map(revealArg);
    expect(args).toEqual(
      expect.arrayContaining([
        '-init-master=aio',
        '-init-node=aio',
        '-net-controller',
        '-init-gateways',
        '-k8s-token=s3cr3t-t0ken',
      ]),
    );
    expect(new Set(args).size).toBe(args.length);
  });
});
