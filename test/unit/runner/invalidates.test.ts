// The narrow invalidation declarations: each drops what its change can make stale and keeps what the
// tasks after it in install.yaml read; every fact key in src/ is classified, so a new file-reading fact
// cannot be left stale by a copy.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { FILE_READERS } from '../../../src/operations/invalidates.js';
import type { Module } from '../../../src/operations/module.js';
import { ovsdbConnection, ovsExternalIdsModule } from '../../../src/operations/ovsdb.js';
import { service } from '../../../src/operations/services.js';
import { forget } from '../../../src/playbook/run.js';
import { guideInventory } from '../../helpers/inventory.js';

const inv = guideInventory();
const ctx = { host: inv.hosts[1], inventory: inv, readAsset: async () => Buffer.from('') };
const cached = [
  fileState('/etc/openvswitch/system-id.conf'), fileState('/usr/local/bin/ovnkube'), fileContent('/etc/systemd/system/ovnkube.service'),
  aptListsFresh, debPackages(['ovn-host']), which('ovnkube'), systemdRunning, ovnCtlPath, daemonsRunning(['ovn-controller']),
  processesOf('/usr/local/bin/ovnkube'), ovsExternalIds, ovsBridges, ovnDbConnection('nb'), ovnDbConnection('sb'), tcpListening,
].map((f) => f.key);

/** The cached keys a change by the module leaves. */
function kept(m: Module, args: unknown): string[] {
  const facts = new Map(cached.map((k) => [k, true]));
  forget(facts, m.invalidates?.(m.args.parse(args), ctx));
  return [...facts.keys()];
}

describe('invalidation declarations', () => {
  it('a package install or a daemon start keeps nothing', () => {
    expect(kept(aptPackages, { packages: ['ovn-host'] })).toEqual([]);
    expect(kept(service, { name: 'ovn-controller' })).toEqual([]);
  });

  it('copy and apt_repository keep only the live state of daemons and the kernel', () => {
    const live = ['process.of:/usr/local/bin/ovnkube', 'ovs.external-ids', 'ovs.bridges', 'ovn.connection:nb', 'ovn.connection:sb', 'net.tcp-listening'];
    expect(kept(copy, { dest: '/etc/openvswitch/system-id.conf', content: 'n1\n' })).toEqual(live);
    expect(kept(aptRepository, { source: { kind: 'wand' } })).toEqual(live);
  });

  it('ovs_external_ids keeps what service reads; its own record, bridges and files go', () => {
    const left = kept(ovsExternalIdsModule, { ids: { 'system-id': 'n1' } });
    expect(left).toEqual(expect.arrayContaining(['os.systemd', 'ovn.ctl-path', 'process.daemons:ovn-controller', 'apt.lists-fresh']));
    for (const k of ['ovs.external-ids', 'ovs.bridges', 'file:/etc/openvswitch/system-id.conf']) expect(left).not.toContain(k);
  });

  it('ovsdb_connection drops its own database connection and the listening ports, not the other database', () => {
    const left = kept(ovsdbConnection, { db: 'nb', port: 6641 });
    expect(left).toContain('ovn.connection:sb');
    expect(left).not.toContain('ovn.connection:nb');
    expect(left).not.toContain('net.tcp-listening');
  });
});

/** Fact-key literals (up to their first interpolation) of every fact defined in src/. */
function factKeys(): string[] {
  const src = fileURLToPath(new URL('../../../src', import.meta.url));
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const keys = files.flatMap((f) => {
    const text = readFileSync(join(src, f), 'utf8');
    return [...text.matchAll(/define(?:Batch)?Fact\(\s*[`'"]([^`'"$]*)/g), ...text.matchAll(/firstExecutable\(\s*'([^']*)'/g)].map((m) => m[1]);
  });
  return [...new Set(keys)].filter(Boolean);
}

/** Facts that read no files: daemons' and the kernel's live state (OVSDB, NB/SB, links, sockets, /proc). */
const LIVE = ['ovs.external-ids', 'ovs.bridges', 'ovs.ports:', 'ovn.connection:', 'ovn.reachable:', 'ovn.sb-chassis:', 'ovn.smoke-switch', 'net.links', 'net.routes4', 'net.sysctl:', 'net.tcp-listening', 'net.ovs-layout', 'process.of:'];

describe('fact classification', () => {
  it('every fact key is either a file reader (dropped by copy) or live state', () => {
    const keys = factKeys();
    expect(keys.length).toBeGreaterThan(20);
    const unclassified = keys.filter((k) => !FILE_READERS.some((p) => k.startsWith(p)) && !LIVE.includes(k));
    expect(unclassified).toEqual([]);
  });
});
