// `ovnctl report` end to end on the shared lab, and its page in a real browser: Debian's headless
// Chromium driven over the DevTools protocol (puppeteer-core, no browser download). The page of a
// healthy cluster loads with no console error and no request but itself and shows every host; after
// ovn-controller is killed on n1 it marks n1 unhealthy, in red, with the failed check; --json says the
// same. An install then repairs n1. OVNCTL_REPORT_SCREENSHOT=docs/report.png keeps the screenshot.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ReportData } from '../../src/report-html/data.js';
import { ovnctl } from '../helpers/cli.js';
import { describeLab, labContext, labHosts, sshOk } from '../helpers/lab.js';

const CHROMIUM = '/usr/bin/chromium';
const RED = 'rgb(207, 34, 46)';

/** Debian's chromium, installed as the lab installs its tools: as root with apt-get; under CI, a must. */
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (as root)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Another apt run on this machine (a developer's, a parallel test set-up) holds the lock for a while.
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  execFileSync('apt-get', ['-q', ...lock, 'update'], { env, stdio: 'ignore' });
  execFileSync('apt-get', ['-q', '-y', ...lock, '--no-install-recommends', 'install', 'chromium'], {
    env,
    stdio: 'ignore',
  });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get install chromium did not provide ${CHROMIUM}`);
}

interface PageView {
  /** Console errors, uncaught exceptions, and any request but the page itself. */
  problems: string[];
  /** Per host: its box in the picture (drawn, with its health and stroke colour) and its card. */
  hosts: Record<string, { box: boolean; health: string; stroke: string; card: string }>;
  problemsSection: string;
}

describeLab('report on the lab', () => {
  const { inventory, dir } = labContext();
  let addr: Record<string, string>;
  let browser: Browser;
  let tmp: string;
  const install = async () => {
    const r = await ovnctl(['install', '-i', inventory]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  };

  /** Opens the page in Chromium and reads what a person would look at. */
  async function view(file: string, screenshot?: string): Promise<PageView> {
    const page = await browser.newPage();
    const problems: string[] = [];
    const url = pathToFileURL(file).href;
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'assert') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
    page.on('request', (r) => {
      if (r.url() !== url) problems.push(`request: ${r.url()}`);
    });
    try {
      await page.setViewport({ width: 1000, height: 800 });
      await page.goto(url, { waitUntil: 'load' });
      const seen = await page.evaluate(() => {
        const hosts: PageView['hosts'] = {};
        for (const card of document.querySelectorAll<HTMLElement>('section.host')) {
          const name = card.dataset.host ?? '';
          const box = document.querySelector<SVGGraphicsElement>(`svg a.box[data-host="${CSS.escape(name)}"]`);
          const rect = box?.querySelector('rect');
          const drawn = rect ? rect.getBoundingClientRect() : null;
          hosts[name] = {
            box: drawn !== null && drawn.width > 0 && drawn.height > 0,
            health: box?.dataset.health ?? '',
            stroke: rect ? getComputedStyle(rect).stroke : '',
            // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads
            card: card.innerText,
          };
        }
        const problems = document.querySelector<HTMLElement>('section.problems');
        // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads
        return { hosts, problemsSection: problems?.innerText ?? '' };
      });
      if (screenshot) await page.screenshot({ path: screenshot as `${string}.png`, fullPage: true });
      return { problems, ...seen };
    } finally {
      await page.close();
    }
  }

  beforeAll(async () => {
    ensureChromium();
    tmp = mkdtempSync(join(tmpdir(), 'ovnctl-report-'));
    addr = Object.fromEntries((await labHosts(dir)).map((h) => [h.name, h.address]));
    await install();
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root Chromium needs --no-sandbox; the page is our own file and makes no request.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('writes a page of the healthy cluster that Chromium shows with every host and no console error', async () => {
    const file = join(tmp, 'healthy.html');
    const r = await ovnctl(['report', '-i', inventory, '-o', file]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`report: ${file}: 3 of 3 hosts healthy, 0 failed checks, 1 of 1 tunnels up`);
    const v = await view(file);
    expect(v.problems).toEqual([]);
    expect(Object.keys(v.hosts).sort()).toEqual(['m1', 'n1', 'n2']);
    for (const [name, h] of Object.entries(v.hosts)) {
      expect(h, name).toMatchObject({ box: true, health: 'healthy' });
      expect(h.card).toContain(addr[name]);
      expect(h.card).toMatch(/OVS \d[^\s]* · OVN \d/);
    }
    // Each node's chassis with its encap, and the tunnel between the two.
    expect(v.hosts.n1.card).toContain(`geneve ${addr.n1}`);
    expect(v.hosts.n2.card).toContain(`geneve ${addr.n2}`);
    expect(readFileSync(file, 'utf8')).toMatch(/<tr class="up"><td>n1 ⇄ n2<\/td><td>geneve<\/td>/);
    expect(v.problemsSection).toBe('');
  });

  it('marks n1 unhealthy in red, with the failed check, once its ovn-controller is killed; --json agrees', async () => {
    await sshOk(dir, 'n1', addr.n1, 'kill -9 $(cat /var/run/ovn/ovn-controller.pid)');
    const file = join(tmp, 'n1-down.html');
    const r = await ovnctl(['report', '-i', inventory, '-o', file]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toContain('2 of 3 hosts healthy');
    expect(r.stdout).toMatch(/^ {2}n1: ovn-controller runs$/m);
    const shot = join(tmp, 'report.png');
    const v = await view(file, shot);
    expect(v.problems).toEqual([]);
    expect(v.hosts.n1).toMatchObject({ box: true, health: 'unhealthy', stroke: RED });
    expect(v.hosts.n1.card).toContain('unhealthy');
    expect(v.hosts.n1.card).toContain('ovn-controller not running');
    expect(v.hosts.n1.card).toContain('look closer: tail -n 30 /var/log/ovn/ovn-controller.log');
    for (const name of ['m1', 'n2']) expect(v.hosts[name]).toMatchObject({ box: true, health: 'healthy' });
    expect(v.problemsSection).toContain('n1 · ovn-controller runs');
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    if (process.env.OVNCTL_REPORT_SCREENSHOT) copyFileSync(shot, process.env.OVNCTL_REPORT_SCREENSHOT);

    const j = await ovnctl(['report', '-i', inventory, '--json']);
    expect(j.code, j.stderr).toBe(2);
    const data = JSON.parse(j.stdout) as ReportData;
    expect(Object.fromEntries(data.hosts.map((h) => [h.name, h.health]))).toEqual(
      Object.fromEntries(Object.entries(v.hosts).map(([n, h]) => [n, h.health])),
    );
    expect(data.hosts.find((h) => h.name === 'n1')?.failed).toEqual([
      expect.objectContaining({
        task: 'ovn-controller runs',
        lookCloser: 'tail -n 30 /var/log/ovn/ovn-controller.log',
      }),
    ]);
  });

  it('is healthy again once install has restarted ovn-controller on n1', async () => {
    await install();
    const j = await ovnctl(['report', '-i', inventory, '--json']);
    expect(j.code, j.stdout + j.stderr).toBe(0);
    const data = JSON.parse(j.stdout) as ReportData;
    expect(data.summary).toMatchObject({ hosts: 3, unhealthy: 0, unreachable: 0, failedChecks: 0 });
  });
});
