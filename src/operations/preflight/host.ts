// The host half of preflight: kernel module, ports, tunnel address and routes, clock, disk, OVN databases.
import type { Module } from '../module.js';
import { preflightClock } from './clock.js';
import { preflightDisk } from './disk.js';
import { preflightKernelModule } from './kernel-module.js';
import { preflightOvnDb } from './ovn-db.js';
import { preflightPorts } from './ports.js';
import { preflightTunnel } from './tunnel.js';

export const HOST_PREFLIGHT_MODULES: Module[] = [
  preflightKernelModule,
  preflightPorts,
  preflightTunnel,
  preflightClock,
  preflightDisk,
  preflightOvnDb,
];
