// The preflight checks (playbooks/preflight.yaml): one module per check, each a fact and a pure verdict.
import type { Module } from '../module.js';

export const PREFLIGHT_MODULES: Module[] = [];
