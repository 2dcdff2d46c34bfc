// Names and places of a lab, all derived from its name so two labs can run side by side.
import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import { sha256 } from '../util/hash.js';

export const DEFAULT_LAB_NAME = 'lab';
export const DEFAULT_CACHE_DIR = '/var/cache/ovnctl/lab';
/** Where the HTTP server of the apt mirror listens, on the bridge address. */
export const MIRROR_PORT = 8080;

const LAB_NAME = /^[a-z][a-z0-9]{0,7}$/;
const HOST_NAME = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;

export function checkLabName(name: string): void {
  if (!LAB_NAME.test(name)) {
    throw new InputError(`lab name '${name}': use 1-8 lower-case letters and digits, starting with a letter`);
  }
}

export function checkHostName(name: string): void {
  if (!HOST_NAME.test(name)) {
    throw new InputError(`lab host name '${name}': use a DNS label (a-z, 0-9, '-'), at most 32 characters`);
  }
}

/** /var/lib/ovnctl/lab for the default lab, /var/lib/ovnctl/lab-<name> for the others. */
export function defaultLabDir(name: string = DEFAULT_LAB_NAME): string {
  return name === DEFAULT_LAB_NAME ? '/var/lib/ovnctl/lab' : `/var/lib/ovnctl/lab-${name}`;
}

export function resolveLabDir(dir: string | undefined, name: string): string {
  return resolve(dir ?? defaultLabDir(name));
}

/** Kernel names of a lab's objects: lab `lab` → bridge ovnlab0, netns and veth ovnlab-m1. */
export interface LabNames {
  bridge: string;
  netns(host: string): string;
  veth(host: string): string;
}

export function labNames(name: string): LabNames {
  const prefix = `ovn${name}`;
  return {
    bridge: `${prefix}0`,
    netns: (host) => `${prefix}-${host}`,
    // Interface names have at most 15 characters.
    veth: (host) => {
      const full = `${prefix}-${host}`;
      return full.length <= 15 ? full : `${prefix}-${shortHash(host, 15 - prefix.length - 1)}`;
    },
  };
}

export function shortHash(text: string, length: number): string {
  return sha256(text).slice(0, length);
}
