// The lab's IPv4 /24: the bridge has .1, hosts get .10 and up. It must not overlap anything on this machine.
import { InputError, OvnctlError } from '../errors.js';
import { DEFAULT_LAB_NAME, shortHash } from './lab-names.js';
import { run } from './exec.js';

export interface LabSubnet {
  /** e.g. 10.213.0.0/24 */
  cidr: string;
  /** The bridge's address, e.g. 10.213.0.1 */
  gateway: string;
}

const FIRST_HOST = 10;
const LAST_HOST = 254;

export function parseSubnet(cidr: string): LabSubnet {
  const m = /^(\d+)\.(\d+)\.(\d+)\.0\/24$/.exec(cidr);
  const octets = m ? m.slice(1, 4).map(Number) : [];
  if (!m || octets.some((o) => o > 255)) {
    throw new InputError(`lab subnet '${cidr}': give an IPv4 /24 such as 10.213.0.0/24`);
  }
  return { cidr, gateway: `${octets.join('.')}.1` };
}

/** The n-th free host address of a subnet, skipping the ones in use. */
export function nextHostAddress(subnet: LabSubnet, used: readonly string[]): string {
  const base = subnet.gateway.replace(/\.1$/, '');
  for (let i = FIRST_HOST; i <= LAST_HOST; i++) {
    const a = `${base}.${i}`;
    if (!used.includes(a)) return a;
  }
  throw new OvnctlError(`lab subnet ${subnet.cidr} is full`);
}

/** The subnets a lab may use, in order: 10.213.0.0/24 for the default lab, a name-derived one else. */
export function candidateSubnets(name: string): string[] {
  if (name === DEFAULT_LAB_NAME) return ['10.213.0.0/24'];
  const start = parseInt(shortHash(name, 4), 16) % 254;
  return Array.from({ length: 254 }, (_, i) => `10.213.${((start + i) % 254) + 1}.0/24`);
}

/**
 * Pick the lab's subnet: the given one, or the first candidate that overlaps no route or address of
 * this machine. A given (or the default lab's) subnet that overlaps is an error naming the conflict.
 */
export async function pickSubnet(name: string, wanted?: string): Promise<LabSubnet> {
  const taken = await machineNetworks();
  const choices = wanted ? [wanted] : candidateSubnets(name);
  for (const cidr of choices) {
    const subnet = parseSubnet(cidr);
    const clash = taken.find((t) => overlaps(t.cidr, cidr));
    if (!clash) return subnet;
    if (choices.length === 1) {
      throw new OvnctlError(
        `lab subnet ${cidr} overlaps ${clash.cidr} (${clash.what}) on this machine: ` +
          `take the lab down if it is a lab's, or choose another subnet with --subnet`,
      );
    }
  }
  throw new OvnctlError('no free 10.213.x.0/24 subnet for the lab: choose one with --subnet');
}

interface TakenNetwork {
  cidr: string;
  what: string;
}

async function machineNetworks(): Promise<TakenNetwork[]> {
  const routes = JSON.parse((await run(['ip', '-j', '-4', 'route', 'show', 'table', 'all'])).stdout || '[]') as {
    dst: string;
    dev?: string;
  }[];
  const addrs = JSON.parse((await run(['ip', '-j', '-4', 'addr', 'show'])).stdout || '[]') as {
    ifname: string;
    addr_info?: { local: string; prefixlen: number }[];
  }[];
  const out: TakenNetwork[] = [];
  for (const r of routes) {
    if (!r.dst || r.dst === 'default') continue;
    out.push({ cidr: r.dst.includes('/') ? r.dst : `${r.dst}/32`, what: `route via ${r.dev ?? '?'}` });
  }
  for (const a of addrs) {
    for (const i of a.addr_info ?? []) out.push({ cidr: `${i.local}/${i.prefixlen}`, what: `address on ${a.ifname}` });
  }
  return out;
}

function range(cidr: string): [number, number] {
  const [ip, len] = cidr.split('/');
  const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(len ?? 32));
  const start = n - (n % size);
  return [start, start + size - 1];
}

export function overlaps(a: string, b: string): boolean {
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
}
