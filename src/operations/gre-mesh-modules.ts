// The modules of playbooks/gre-mesh.yaml (registered in index.ts).
import { tunnelMesh } from './gre-mesh.js';
import { ipRoute, podBridge, sysctl } from './linux-net.js';
import type { Module } from './module.js';
import { ovsUnderlay } from './ovs-bridge-underlay.js';
import { ovsBridge } from './ovs-bridge.js';

export const GRE_MESH_MODULES: Module[] = [ovsBridge, ovsUnderlay, tunnelMesh, podBridge, ipRoute, sysctl];
