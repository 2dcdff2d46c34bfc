// <dir>/state.json: what a lab is, and a journal of everything it made, written before (or, for a
// process, right as) each thing is made, so `lab down` can undo a lab that crashed halfway.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OvnctlError } from '../errors.js';

export type LabRole = 'master' | 'node';

/** A thing the lab made; `lab down` removes them in the order processes, mounts, netns, links, paths. */
export type LabResource =
  | { kind: 'process'; pid: number; startTime: number; what: string }
  | { kind: 'mount'; target: string }
  | { kind: 'netns'; name: string }
  | { kind: 'link'; name: string }
  /** A file or directory tree the lab created (removed recursively). */
  | { kind: 'path'; path: string };

export interface LabHostRecord {
  name: string;
  roles: LabRole[];
  address: string;
  netns: string;
  veth: string;
  /** The host's overlay root, mounted on this machine. */
  root: string;
  /** The `unshare` process that holds the host's namespaces (SIGKILL ends the host). */
  pid?: number;
  startTime?: number;
  /** Pid 1 of the host, as seen from this machine. */
  initPid?: number;
  initStartTime?: number;
  /** Its public host key line, made fresh at lab up ("ssh-ed25519 AAAA… root@name"). */
  hostKey?: string;
  /** The MAC of its eth0, kept when the host is stopped and booted again. */
  mac?: string;
  /** Stopped on purpose (`lab stop-host`): no process, no netns, no link; its disk (the overlay) kept. */
  stopped?: boolean;
}

export interface LabState {
  version: 1;
  name: string;
  dir: string;
  /** Whether `lab up` created `dir` (then `lab down` removes it when empty). */
  createdDir: boolean;
  subnet: string;
  gateway: string;
  bridge: string;
  /** The cached rootfs every host overlays. */
  rootfs: string;
  /** The cached mirror tree, served at `url` by the process `pid` (also in resources). */
  mirror: { dir: string; url: string; suite: string; pid?: number };
  hosts: LabHostRecord[];
  resources: LabResource[];
}

export const STATE_FILE = 'state.json';

export function statePath(dir: string): string {
  return join(dir, STATE_FILE);
}

export function readLabState(dir: string): LabState | undefined {
  const file = statePath(dir);
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as LabState;
    if (state.version !== 1) throw new Error(`unknown version ${String(state.version)}`);
    return state;
  } catch (e) {
    throw new OvnctlError(`${file}: unreadable lab state (${(e as Error).message})`);
  }
}

/** Atomic write (temp file + rename): a crash leaves the old state or the new, never half of one. */
export function writeLabState(state: LabState): void {
  const file = statePath(state.dir);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** The lab's state with a journal: record a resource (and save) before making it. */
export class LabJournal {
  constructor(readonly state: LabState) {}

  /** Record a resource (once: a host booted again makes its netns and link anew under the same names). */
  record(resource: LabResource): void {
    const key = JSON.stringify(resource);
    if (!this.state.resources.some((r) => JSON.stringify(r) === key)) this.state.resources.push(resource);
    this.save();
  }

  /** Drop the journal entry of a process that is gone (a stopped host's), so the journal does not grow. */
  forgetProcess(pid: number, startTime: number | undefined): void {
    this.state.resources = this.state.resources.filter(
      (r) => !(r.kind === 'process' && r.pid === pid && r.startTime === startTime),
    );
    this.save();
  }

  save(): void {
    writeLabState(this.state);
  }
}
