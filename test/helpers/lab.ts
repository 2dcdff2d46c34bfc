// The e2e suite's lab: one lab (1 master, 2 nodes) brought up by test/e2e/global-setup.ts for every
// e2e file, handed over with vitest's provide/inject; plus an ssh helper that uses the system client
// with only the lab's key and known_hosts, strictly checked.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject } from 'vitest';
import { labNames, labStatus, type LabHostStatus } from '../../src/lab/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The lab's inventory.yaml ('' when the lab is skipped). */
    labInventory: string;
    /** The lab's directory ('' when the lab is skipped). */
    labDir: string;
    /** Why the e2e tests are skipped here ('' when the lab is up). */
    labSkipReason: string;
  }
}

export interface LabContext {
  inventory: string;
  dir: string;
  skipReason: string;
}

export function labContext(): LabContext {
  return { inventory: inject('labInventory'), dir: inject('labDir'), skipReason: inject('labSkipReason') };
}

/** describe() for tests that need the lab: skipped, with the reason in its title, when there is none. */
export function describeLab(name: string, fn: () => void): void {
  const { skipReason } = labContext();
  describe.skipIf(skipReason !== '')(skipReason ? `${name} (skipped: ${skipReason})` : name, fn);
}

/** The lab's hosts (name, address, roles, pid, alive). */
export async function labHosts(dir: string): Promise<LabHostStatus[]> {
  return (await labStatus({ dir })).hosts;
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The system ssh client's argv for a lab host: only the lab key, only the lab known_hosts, strict. */
export function sshArgs(dir: string, address: string): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    join(dir, 'id_ed25519'),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'LogLevel=ERROR',
    `root@${address}`,
  ];
}

/** Run a POSIX sh script on a lab host as root; resolves with its exit code and output. */
export function sshRun(dir: string, address: string, script: string, input?: string): Promise<SshResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'ssh',
      [...sshArgs(dir, address), script],
      { maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 255) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? '');
  });
}

/** Run a script on a lab host that must succeed (the failure message names host, script and stderr). */
export async function sshOk(dir: string, host: string, address: string, script: string): Promise<string> {
  const r = await sshRun(dir, address, script);
  expect(r.code, `${host}: ${script}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Network namespaces by name (/run/netns). */
export function netnsNames(): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns') : [];
}

/** Links of this machine's network namespace. */
export function linkNames(): string[] {
  return readdirSync('/sys/class/net');
}

/** A pid is alive when it exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Pids of this machine, with a test (on /proc/<pid>) that may fail for a process that just ended. */
function machinePids(test: (pid: string) => boolean): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return test(p);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Pids (as this machine sees them) whose command line holds an argument. */
export function machinePidsWith(arg: string): number[] {
  return machinePids((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes(arg));
}

/** The pid namespace of a process ("pid:[4026…]"). */
export function pidNamespace(pid: number): string {
  return readlinkSync(`/proc/${pid}/ns/pid`);
}

/** Every process of this machine in a pid namespace (a lab host's: its whole process table). */
export function pidsInNamespace(ns: string): number[] {
  return machinePids((p) => readlinkSync(`/proc/${p}/ns/pid`) === ns).filter(alive);
}

/**
 * What is left on this machine of a lab after `lab down`: its netns and links (by the names its lab
 * name gives), mounts under `base`, the given pids still alive, and whether its dir still exists.
 */
export function labLeftovers(lab: { name: string; dir: string; base: string; pids: readonly number[] }) {
  const names = labNames(lab.name);
  return {
    netns: netnsNames().filter((n) => n.startsWith(`ovn${lab.name}-`)),
    links: linkNames().filter((l) => l === names.bridge || l.startsWith(`ovn${lab.name}-`)),
    mounts: readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => l.includes(lab.base)),
    pids: lab.pids.filter(alive),
    dir: existsSync(lab.dir),
  };
}

export const NOTHING_LEFT = { netns: [], links: [], mounts: [], pids: [], dir: false };
