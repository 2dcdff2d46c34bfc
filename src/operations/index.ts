// The module registry: the names playbooks use.
import { aptBuildDep, aptPackages, aptRepository } from './apt.js';
import { copy, fileAbsent } from './files.js';
import { GRE_MESH_MODULES } from './gre-mesh-modules.js';
import type { Module } from './module.js';
import { ovnCentral } from './ovn-central.js';
import { ovnkube } from './ovnkube.js';
import { ovsdbConnection, ovsExternalIdsModule } from './ovsdb.js';
import { pip } from './pip.js';
import { preflight } from './preflight.js';
import { PREFLIGHT_MODULES } from './preflight/index.js';
import { service } from './services.js';
import { SMOKE_MODULES } from './smoke.js';
import { TLS_MODULES } from './tls.js';
import { UNINSTALL_MODULES } from './uninstall.js';
import { VERIFY_MODULES } from './verify.js';
import { VERIFY_RAFT_MODULES } from './verify-raft.js';

export const MODULES: ReadonlyMap<string, Module> = new Map(
  [
    preflight,
    ...PREFLIGHT_MODULES,
    aptRepository,
    aptPackages,
    aptBuildDep,
    pip,
    service,
    ovnCentral,
    ovsdbConnection,
    ovsExternalIdsModule,
    copy,
    fileAbsent,
    ovnkube,
    ...TLS_MODULES,
    ...VERIFY_MODULES,
    ...VERIFY_RAFT_MODULES,
    ...SMOKE_MODULES,
    ...UNINSTALL_MODULES,
    ...GRE_MESH_MODULES,
  ].map((m) => [m.name, m as Module]),
);
