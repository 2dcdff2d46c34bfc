// What each module's change makes stale (Module.writes against Fact.reads): each drops what its change
// can make stale and keeps what the tasks after it in install.yaml read.
import { describe, expect, it } from 'vitest';
import { aptListsFresh, debPackages } from '../../../src/facts/apt.js';
import { fileContent, fileState } from '../../../src/facts/files.js';
import { ovnCtlPath, ovnDbConnection } from '../../../src/facts/ovn.js';
import { ovsBridges, ovsExternalIds } from '../../../src/facts/ovs.js';
import { systemdRunning, which } from '../../../src/facts/os.js';
import { daemonsRunning, processesOf } from '../../../src/facts/process.js';
import { tcpListening } from '../../../src/facts/verify.js';
import { aptPackages, aptRepository } from '../../../src/operations/apt.js';
import { copy } from '../../../src/operations/files.js';
import type { Module } from '../../../src/operations/module.js';
import { ovsdbConnection, ovsExternalIdsModule } from '../../../src/operations/ovsdb.js';
import { service } from '../../../src/operations/services.js';
import { FactCache } from '../../../src/playbook/fact-cache.js';
import { guideInventory } from '../../helpers/inventory.js';

const inv = guideInventory();
const ctx = { host: inv.hosts[1], inventory: inv, readAsset: async () => Buffer.from('') };
const cached = [
  fileState('/etc/openvswitch/system-id.conf'),
  fileState('/usr/local/bin/ovnkube'),
  fileContent('/etc/systemd/system/ovnkube.service'),
  aptListsFresh,
  debPackages(['ovn-host']),
  which('ovnkube'),
  systemdRunning,
  ovnCtlPath,
  daemonsRunning(['ovn-controller']),
  processesOf('/usr/local/bin/ovnkube'),
  ovsExternalIds,
  ovsBridges,
  ovnDbConnection('nb'),
  ovnDbConnection('sb'),
  tcpListening,
];

/** The cached keys a change by the module leaves. */
function kept(m: Module, args: unknown): string[] {
  const cache = new FactCache();
  cache.store(cached, new Map(cached.map((f) => [f.key, true])));
  cache.forget(m.writes?.(m.args.parse(args), ctx));
  return cache.keys();
}

describe('what a change makes stale', () => {
  it('a package install or a daemon start keeps nothing', () => {
    expect(kept(aptPackages, { packages: ['ovn-host'] })).toEqual([]);
    expect(kept(service, { name: 'ovn-controller' })).toEqual([]);
  });

  it('copy and apt_repository keep only the live state of daemons and the kernel', () => {
    const live = [
      'process.of:/usr/local/bin/ovnkube',
      'ovs.external-ids',
      'ovs.bridges',
      'ovn.connection:nb',
      'ovn.connection:sb',
      'net.tcp-listening',
    ];
    expect(kept(copy, { dest: '/etc/openvswitch/system-id.conf', content: 'n1\n' })).toEqual(live);
    expect(kept(aptRepository, { source: { kind: 'wand' } })).toEqual(live);
  });

  it('ovs_external_ids keeps what service reads and the files; its own record and bridges go', () => {
    const left = kept(ovsExternalIdsModule, { ids: { 'system-id': 'n1' } });
    expect(left).toEqual(
      expect.arrayContaining(['os.systemd', 'ovn.ctl-path', 'process.daemons:ovn-controller', 'apt.lists-fresh']),
    );
    expect(left).toContain('file:/etc/openvswitch/system-id.conf');
    for (const k of ['ovs.external-ids', 'ovs.bridges']) expect(left).not.toContain(k);
  });

  it('ovsdb_connection drops its own database connection and the listening ports, not the other database', () => {
    const left = kept(ovsdbConnection, { db: 'nb', port: 6641 });
    expect(left).toContain('ovn.connection:sb');
    expect(left).not.toContain('ovn.connection:nb');
    expect(left).not.toContain('net.tcp-listening');
  });
});
