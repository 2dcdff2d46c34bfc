// The preflight checks (playbooks/preflight.yaml): one module per check, each a fact and a pure verdict.
import type { Module } from '../module.js';
import { preflightAptCandidates } from './apt-candidates.js';
import { preflightAptDkms } from './apt-dkms.js';
import { preflightAptOrigin } from './apt-origin.js';
import { preflightAptSource } from './apt-source.js';
import { HOST_PREFLIGHT_MODULES } from './host.js';

export const PREFLIGHT_MODULES: Module[] = [
  preflightAptSource,
  preflightAptCandidates,
  preflightAptDkms,
  preflightAptOrigin,
  ...HOST_PREFLIGHT_MODULES,
];
