// The package checks as modules: what the run installs comes from the playbook's own apt tasks, every
// check reads the same one probe, the Release file is read once per URL and not at all when every
// package is installed, and --from-hosts reads it on the host instead.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urlFetcher } from '../../src/app/assets.js';
import { bundledPlaybook } from '../../src/cli/paths.js';
import type { Fact } from '../../src/facts/fact.js';
import { parseOsRelease } from '../../src/facts/os.js';
import type { Inventory, PackageSource } from '../../src/inventory/types.js';
import type { ModuleContext, UrlFetch } from '../../src/operations/module.js';
import { PREFLIGHT_MODULES } from '../../src/operations/preflight/index.js';
import { preflightAptSource } from '../../src/operations/preflight/apt-source.js';
import { aptInstalls } from '../../src/playbook/installs.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { tagsMatch } from '../../src/playbook/run-context.js';
import { guideInventory } from '../helpers/inventory.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/preflight/apt/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .slice(1)
    .join('\n');

const LAB_MIRROR: Extract<PackageSource, { kind: 'custom' }> = {
  kind: 'custom',
  url: 'http://10.213.8.1:8080/debian',
  key: '/k.asc',
  components: ['main'],
};
const OVS = ['openvswitch-common', 'openvswitch-switch', 'ovn-common', 'ovn-host', 'python3-openvswitch'];

function inventory(packages: Partial<Inventory['packages']>): Inventory {
  const inv = guideInventory();
  return { ...inv, packages: { ...inv.packages, ...packages } };
}

const installsOf = (inv: Inventory, host: string, tags?: string[]) => {
  const pb = loadPlaybook(bundledPlaybook('install'), inv, { selected: inv.hosts, extraVars: {} });
  return aptInstalls(pb, host, (t) => tagsMatch(t, tags));
};

describe('what the run installs: the playbook apt tasks that would run on the host', () => {
  it("the guide's settings (dkms, pip): the datapath package and pip; ovn-central on masters only", () => {
    const inv = guideInventory();
    expect(installsOf(inv, 'm1')).toEqual([
      'openvswitch-common',
      'openvswitch-datapath-dkms',
      'openvswitch-switch',
      'ovn-central',
      'ovn-common',
      'ovn-host',
      'python3-pip',
    ]);
    expect(installsOf(inv, 'n1')).not.toContain('ovn-central');
  });

  it("the kernel datapath and Debian's Python bindings, and --tags", () => {
    const inv = inventory({ datapath: 'kernel', ovsPython: 'apt' });
    expect(installsOf(inv, 'n1')).toEqual(OVS);
    expect(installsOf(inv, 'm1', ['central'])).toEqual(['ovn-central', 'ovn-common', 'ovn-host']);
  });
});

/** A module context for n1 with the given run packages, reading facts from a key → value map. */
function setup(inv: Inventory, installs: string[], fetched: string[], answers: Record<string, UrlFetch> = {}) {
  const ctx: ModuleContext = {
    host: inv.hosts[1],
    inventory: inv,
    readAsset: async () => Buffer.from(''),
    installs,
    fetchUrl: async (url) => {
      fetched.push(url);
      return answers[url] ?? { status: 404, body: '' };
    },
  };
  return ctx;
}

function reader(facts: Fact<unknown>[], raw: Record<string, string>) {
  return <T>(f: Fact<T>): T => {
    const found = facts.find((d) => d.key === f.key);
    if (!found) throw new Error(`undeclared fact ${f.key}`);
    const prefix = Object.keys(raw).find((k) => f.key.startsWith(k));
    if (prefix === undefined) throw new Error(`no output for ${f.key}`);
    return f.parse(raw[prefix], 0);
  };
}

describe('the package source check', () => {
  const inv = inventory({ source: LAB_MIRROR, datapath: 'kernel', ovsPython: 'apt' });
  const osText = fixture('debian12-os-release.txt');

  it('every check of a host reads the one probe (one key), so it is read once', () => {
    const ctx = setup(inv, OVS, []);
    const keys = PREFLIGHT_MODULES.filter((m) => m.name.startsWith('preflight_apt')).map((m) =>
      m
        .facts(m.args.parse({}), ctx)
        .map((f) => f.key)
        .filter((k) => k.startsWith('preflight.apt:')),
    );
    expect(keys).toHaveLength(4);
    expect(new Set(keys.flat()).size).toBe(1);
  });

  it('every package installed: skipped, and no Release file is fetched', async () => {
    const fetched: string[] = [];
    const ctx = setup(inv, OVS, fetched);
    const args = preflightAptSource.args.parse({});
    const facts = preflightAptSource.facts(args, ctx);
    const raw = { 'os.release': osText, 'preflight.apt:': fixture('debian12-probe-installed.txt') };
    const plan = await preflightAptSource.plan(args, reader(facts, raw), ctx);
    expect(plan.skip).toBe('every package the run installs is installed already');
    expect(fetched).toEqual([]);
  });

  it('a suite the source lacks: Release, then InRelease, then the dists/ index are read from here', async () => {
    const fetched: string[] = [];
    const source = { ...LAB_MIRROR, suite: 'nosuch' };
    const ctx = setup(inventory({ source }), OVS, fetched);
    const args = preflightAptSource.args.parse({});
    const facts = preflightAptSource.facts(args, ctx);
    const raw = { 'os.release': osText, 'preflight.apt:': fixture('debian12-probe-missing-suite.txt') };
    await expect(preflightAptSource.plan(args, reader(facts, raw), ctx)).rejects.toThrow(
      'the mirror http://10.213.8.1:8080/debian has no suite nosuch for n1 (debian bookworm): ' +
        'http://10.213.8.1:8080/debian/dists/nosuch/Release (read from the machine running ovnctl) is missing',
    );
    expect(fetched).toEqual([
      'http://10.213.8.1:8080/debian/dists/nosuch/Release',
      'http://10.213.8.1:8080/debian/dists/nosuch/InRelease',
      'http://10.213.8.1:8080/debian/dists/',
    ]);
  });

  it('--from-hosts: the host reads it (apt-helper), nothing is fetched from here', async () => {
    const fetched: string[] = [];
    const ctx = setup(inv, OVS, fetched);
    const args = preflightAptSource.args.parse({ fromHosts: true });
    const facts = preflightAptSource.facts(args, ctx);
    const release = facts.find((f) => f.key.startsWith('preflight.apt-release:'));
    expect(release?.command).toContain('/usr/lib/apt/apt-helper');
    expect(release?.command).toContain('timeout 15');
    const raw = {
      'os.release': osText,
      'preflight.apt:': fixture('debian12-probe-fresh.txt'),
      'preflight.apt-release:': fixture('debian12-host-release.txt'),
    };
    const plan = await preflightAptSource.plan(args, reader(facts, raw), ctx);
    expect(plan.msg).toContain('(read on n1, --from-hosts)');
    expect(fetched).toEqual([]);
  });

  it('wand on a Debian host: skipped (the OS check fails it), and wand is not asked over the network', async () => {
    const fetched: string[] = [];
    const ctx = setup(inventory({ source: { kind: 'wand' } }), OVS, fetched);
    const args = preflightAptSource.args.parse({});
    const facts = preflightAptSource.facts(args, ctx);
    const raw = { 'os.release': osText, 'preflight.apt:': fixture('debian12-probe-fresh.txt') };
    const plan = await preflightAptSource.plan(args, reader(facts, raw), ctx);
    expect(plan.skip).toBe("wand carries Ubuntu suites only, not debian's (the first check says so)");
    expect(fetched).toEqual([]);
  });

  it('without --from-hosts the host reads no Release file', () => {
    const ctx = setup(inv, OVS, []);
    const keys = preflightAptSource.facts(preflightAptSource.args.parse({}), ctx).map((f) => f.key);
    expect(keys.some((k) => k.startsWith('preflight.apt-release:'))).toBe(false);
  });

  it('reads the codename of Ubuntu 22.04 and 24.04 hosts for the suite', () => {
    expect(parseOsRelease(fixture('ubuntu2204-os-release.txt')).codename).toBe('jammy');
    expect(parseOsRelease(fixture('ubuntu2404-os-release.txt')).codename).toBe('noble');
  });
});

describe('urlFetcher: the machine running ovnctl reads each URL once per run', () => {
  let server: Server;
  let base = '';
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/debian/dists/bookworm/Release') res.end('Suite: bookworm\nCodename: bookworm\n');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('one request per URL; a 404 is a status, a refused connection an error', async () => {
    const fetchUrl = urlFetcher();
    const url = `${base}/debian/dists/bookworm/Release`;
    const [a, b] = await Promise.all([fetchUrl(url), fetchUrl(url)]);
    expect(a).toEqual({ status: 200, body: 'Suite: bookworm\nCodename: bookworm\n' });
    expect(b).toBe(a);
    expect(await fetchUrl(`${base}/debian/dists/nosuch/Release`)).toEqual({ status: 404, body: '' });
    expect(hits).toEqual(['/debian/dists/bookworm/Release', '/debian/dists/nosuch/Release']);
    const closed = await new Promise<number>((r) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => r(port));
      });
    });
    expect(await fetchUrl(`http://127.0.0.1:${closed}/x`)).toEqual({ error: 'ECONNREFUSED' });
  });
});
