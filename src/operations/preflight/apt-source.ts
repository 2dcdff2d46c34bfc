// Preflight: the package source (wand or a mirror) serves this host's release. The suite's Release
// file (the suite apt_repository would write for the host) is read from the machine running ovnctl,
// once per URL per run, or with --from-hosts on each host; a missing suite fails here, by name,
// instead of at `apt-get update` with apt's raw error.
import * as z from 'zod';
import { osRelease } from '../../facts/os.js';
import { CODENAME, hostRelease, parseRelease, type HostRelease, type ReleaseInfo } from '../../facts/preflight-apt.js';
import type { PackageSource } from '../../inventory/types.js';
import type { Fact } from '../../facts/fact.js';
import { defineModule, type UrlFetcher } from '../module.js';
import { wandServes } from '../preflight.js';
import { probeFacts, probeOf, skippedPlan } from './apt-probe.js';
import { fail, pass, verdictPlan, type Verdict } from './verdict.js';

type Remote = Exclude<PackageSource, { kind: 'distro' }>;

/** A Release file as read by one side: its fields, or missing (404), or why it could not be read. */
export interface ReleaseRead {
  side: 'controller' | 'host';
  url: string;
  outcome: { release: ReleaseInfo } | { missing: true } | { error: string };
  /** The suites the source's dists/ lists, when it can be listed (a web server's index). */
  suites?: string[];
}

export interface SourceFacts {
  host: string;
  os: { id: string; codename: string };
  source: Remote;
  suite: string;
  /** dpkg's architecture on the host ('' when unknown). */
  arch: string;
  read: ReleaseRead;
  /**
   * The host's own `apt-get update` over the run's sources (the candidates probe), when it ran: a clean
   * one read this suite's Release there, which settles the question when the controller's read failed.
   */
  hostUpdate?: { rc: number; errors: string[] };
}

const WAND_URL = 'https://packages.wand.net.nz';
const baseOf = (s: Remote) => (s.kind === 'wand' ? WAND_URL : s.url).replace(/\/+$/, '');
const componentsOf = (s: Remote) => (s.kind === 'wand' ? ['main'] : s.components);
const sideText = (r: ReleaseRead, host: string) =>
  r.side === 'controller' ? 'read from the machine running ovnctl' : `read on ${host}, --from-hosts`;

/** The source's suite for this host: what apt_repository writes (a wand or suite-less source: the codename). */
export const suiteFor = (s: Remote, codename: string) => (s.kind === 'custom' && s.suite) || codename;

export function sourceVerdicts(f: SourceFacts): Verdict[] {
  const { read } = f;
  const name = f.source.kind === 'wand' ? 'the wand repository' : `the mirror ${baseOf(f.source)}`;
  const where = `${read.url} (${sideText(read, f.host)})`;
  if ('error' in read.outcome) {
    // On a saturated controller (101 hosts handshaking and updating at once) the read can time out while
    // every host reads the suite fine: a clean apt-get update there (exit 0, no E: or Err: line, no W: but
    // a source listed twice or the run's key not there yet) fetched its Release (a lacking architecture
    // shows as no candidate, next check).
    if (read.side === 'controller' && f.hostUpdate?.rc === 0 && f.hostUpdate.errors.every(harmlessFor(f)))
      return [
        pass(
          `${name} serves ${f.suite}: apt-get update on ${f.host} read it ` +
            `(${where} failed: ${read.outcome.error})`,
        ),
      ];
    const fix =
      read.side === 'controller'
        ? 'make it reachable from here, or read it from the hosts: ovnctl preflight --from-hosts (-e fromHosts=true)'
        : `make it reachable from ${f.host} (proxy, firewall, DNS)`;
    return [fail(`cannot read ${where}: ${read.outcome.error}`, fix)];
  }
  const carried = read.suites?.length ? `it carries ${read.suites.join(', ')}` : 'its suites cannot be listed';
  if ('missing' in read.outcome) {
    const fix =
      f.source.kind === 'custom' && f.source.suite
        ? `set packages.source.suite to a suite it has for ${f.os.codename}, or packages.source: distro`
        : `set packages.source: distro (${f.os.id} ${f.os.codename} ships openvswitch and ovn), or a mirror ` +
          `{url, key, suite} that has ${f.os.codename}`;
    return [
      fail(
        `${name} has no suite ${f.suite} for ${f.host} (${f.os.id} ${f.os.codename}): ${where} is missing; ${carried}`,
        fix,
      ),
    ];
  }
  const rel = read.outcome.release;
  const out: Verdict[] = [];
  if (rel.codename && rel.codename !== f.os.codename && rel.suite !== f.os.codename) {
    out.push(
      fail(
        `${where} is ${rel.codename}'s (Suite: ${rel.suite || '-'}), not ${f.host}'s ${f.os.codename}`,
        `set packages.source.suite to the suite for ${f.os.codename}, or packages.source: distro`,
      ),
    );
  }
  const lacking = componentsOf(f.source).filter((c) => rel.components.length > 0 && !rel.components.includes(c));
  if (lacking.length > 0) {
    out.push(
      fail(
        `suite ${f.suite} of ${name} has no component ${lacking.join(', ')} (it has ${rel.components.join(', ')})`,
        'set packages.source.components to components it has',
      ),
    );
  }
  if (f.arch && rel.architectures.length > 0 && !rel.architectures.includes(f.arch)) {
    out.push(
      fail(
        `suite ${f.suite} of ${name} carries no ${f.arch} packages (it has ${rel.architectures.join(', ')})`,
        `use a source built for ${f.arch}, or packages.source: distro`,
      ),
    );
  }
  if (out.length > 0) return out;
  const codename = rel.codename && rel.codename !== f.suite ? ` (${rel.codename})` : '';
  return [pass(`${name} serves ${f.suite}${codename}: ${where}`)];
}

/**
 * The probe's warnings that still mean the suite was read: a source listed in two files (the host's own
 * and the run's), and the run's source signed by a key the host lacks - the probe lists it as
 * trusted=yes because the run uploads that key itself (a BADSIG, or another source's error, is not harmless).
 */
const harmlessFor =
  (f: SourceFacts) =>
  (line: string): boolean =>
    /^W: Target .* is configured multiple times/.test(line) ||
    (line.startsWith(`W: GPG error: ${baseOf(f.source)} ${f.suite} `) &&
      /NO_PUBKEY/.test(line) &&
      !/BADSIG/.test(line));

/** GET <base>/dists/<suite>/Release (InRelease when there is no Release); the dists/ index when it is missing. */
export async function readOnController(fetchUrl: UrlFetcher, base: string, suite: string): Promise<ReleaseRead> {
  const url = `${base}/dists/${suite}/Release`;
  for (const u of [url, `${base}/dists/${suite}/InRelease`]) {
    const r = await fetchUrl(u);
    if ('error' in r) return { side: 'controller', url: u, outcome: { error: r.error } };
    if (r.status === 200) return { side: 'controller', url: u, outcome: { release: parseRelease(r.body) } };
    if (r.status !== 404) return { side: 'controller', url: u, outcome: { error: `HTTP ${r.status}` } };
  }
  const index = await fetchUrl(`${base}/dists/`);
  const suites = 'error' in index || index.status !== 200 ? [] : suitesOfIndex(index.body);
  return { side: 'controller', url, outcome: { missing: true }, ...(suites.length ? { suites } : {}) };
}

/** The directory names a web server's index page of dists/ links to. */
export function suitesOfIndex(html: string): string[] {
  const names = [...html.matchAll(/href="([A-Za-z0-9][A-Za-z0-9._-]*)\/"/g)].map((m) => m[1]);
  return [...new Set(names)];
}

/** What apt-helper on the host found. */
export function hostReleaseRead(r: HostRelease): ReleaseRead {
  if (r.rc === 0) return { side: 'host', url: r.url, outcome: { release: parseRelease(r.body) } };
  if (/\b404\b/.test(r.message)) return { side: 'host', url: r.url, outcome: { missing: true } };
  return { side: 'host', url: r.url, outcome: { error: r.message || `apt-helper exited ${r.rc}` } };
}

const releaseUrl = (s: Remote) => `${baseOf(s)}/dists/${suiteFor(s, CODENAME)}/Release`;

export const preflightAptSource = defineModule({
  name: 'preflight_apt_source',
  args: z.object({ fromHosts: z.boolean().default(false) }).strict(),
  facts: ({ fromHosts }, ctx) => {
    const source = ctx.inventory.packages.source;
    const f: Fact<unknown>[] = [osRelease, ...probeFacts(ctx)];
    if (fromHosts && source.kind !== 'distro') f.push(hostRelease(ctx.installs ?? [], releaseUrl(source)));
    return f;
  },
  async plan({ fromHosts }, facts, ctx) {
    const source = ctx.inventory.packages.source;
    if (source.kind === 'distro') return { commands: [], skip: "packages come from the distribution's archive" };
    const probe = facts(probeOf(ctx));
    const skipped = skippedPlan(probe);
    if (skipped) return skipped;
    const os = facts(osRelease);
    // The OS check fails such a host already; asking wand's server would only repeat it, over the network.
    if (source.kind === 'wand' && !wandServes(os))
      return { commands: [], skip: `wand carries Ubuntu suites only, not ${os.id}'s (the first check says so)` };
    const suite = suiteFor(source, os.codename);
    let read: ReleaseRead;
    if (fromHosts) read = hostReleaseRead(facts(hostRelease(ctx.installs ?? [], releaseUrl(source))));
    else if (ctx.fetchUrl) read = await readOnController(ctx.fetchUrl, baseOf(source), suite);
    else return { commands: [], skip: 'no way to read URLs from here: use --from-hosts' };
    return verdictPlan(
      sourceVerdicts({ host: ctx.host.name, os, source, suite, arch: probe.arch, read, hostUpdate: probe.update }),
    );
  },
});
