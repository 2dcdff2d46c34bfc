// Load on a lab of its own: 30 hosts (1 master, 29 nodes) installed in one run with --forks 30. The
// run completes, every node joins, a rerun changes nothing, and no connection ever had more than 8
// exec channels open at once - read from the CLI's own instrumentation (OVNCTL_DEBUG_CHANNELS), not
// inferred from timing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_CHANNELS } from '../../src/connection/ssh.js';
import { labDown, labUp, type Lab } from '../../src/lab/index.js';
import { ovnctl, parseEvents } from '../helpers/cli.js';
import { describeLab, sshRun } from '../helpers/lab.js';

const LOAD = { name: 'load', dir: '/var/lib/ovnctl/load-lab', masters: 1, nodes: 29 };
const RUN_MS = 900_000;

describeLab('30 hosts in one run', () => {
  let lab: Lab;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'ovnctl-load-'));
    await labDown({ dir: LOAD.dir });
    lab = await labUp(LOAD);
  }, RUN_MS);
  afterAll(async () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    if (lab) await labDown({ dir: LOAD.dir });
  }, RUN_MS);

  it(
    'install --forks 30 completes on every host, each connection under the channel bound',
    async () => {
      expect(lab.hosts).toHaveLength(30);
      const peaks = join(scratch, 'channels.json');
      const r = await ovnctl(['install', '-i', lab.inventory, '--forks', '30', '--json'], {
        env: { OVNCTL_DEBUG_CHANNELS: peaks },
        timeoutMs: RUN_MS,
      });
      expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
      const { recap } = parseEvents(r.stdout);
      expect(Object.keys(recap.hosts)).toHaveLength(30);
      for (const [h, c] of Object.entries(recap.hosts)) expect(c, h).toMatchObject({ failed: 0, unreachable: 0 });

      const peak = JSON.parse(readFileSync(peaks, 'utf8')) as Record<string, number>;
      console.log(
        `[load] ${r.stdout.split('\n').length} events; ` +
          `peak exec channels per connection: ${[...new Set(Object.values(peak))].sort().join(', ')}`,
      );
      expect(Object.keys(peak).sort()).toEqual(lab.hosts.map((h) => h.name).sort());
      for (const [h, n] of Object.entries(peak)) {
        expect(n, h).toBeGreaterThanOrEqual(1);
        expect(n, h).toBeLessThanOrEqual(MAX_CHANNELS);
      }

      const master = lab.hosts.find((h) => h.name === 'm1')!.address;
      const chassis = await sshRun(lab.dir, master, 'ovn-sbctl --timeout=30 --bare --columns=name list Chassis');
      expect(chassis.stdout.split(/\s+/).filter(Boolean).sort()).toEqual(
        lab.hosts
          .filter((h) => h.name !== 'm1')
          .map((h) => h.name)
          .sort(),
      );
    },
    RUN_MS,
  );

  it(
    'a rerun with --forks 30 changes nothing on any of the 30',
    async () => {
      const r = await ovnctl(['install', '-i', lab.inventory, '--forks', '30', '--json'], { timeoutMs: RUN_MS });
      expect(r.code, r.stderr).toBe(0);
      const { recap } = parseEvents(r.stdout);
      for (const [h, c] of Object.entries(recap.hosts))
        expect(c, h).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    },
    RUN_MS,
  );
});
