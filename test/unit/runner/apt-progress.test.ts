// apt's progress through the runner, on LocalConnection "hosts" that replay what apt-get printed on a
// lab host (test/fixtures/apt-status/): task-progress events in words with a percent, each step once,
// secrets masked; a failed fetch's message says which errors were transient.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { aptFailure, aptProgress } from '../../../src/operations/apt.js';
import { defineModule } from '../../../src/operations/module.js';
import type { RunEvent } from '../../../src/playbook/events.js';
import type { Playbook } from '../../../src/playbook/types.js';
import { raw, sh } from '../../../src/shell/command.js';
import { APT_FIXTURES } from '../../helpers/apt-fixtures.js';
import { guideInventory } from '../../helpers/inventory.js';
import { runLocal } from '../../helpers/run-local.js';
import { taskOf } from '../../helpers/task.js';

/** Prints a recording's stdout and stderr (less their provenance lines) and exits as apt-get did. */
const replay = defineModule({
  name: 'replay',
  args: z.object({ name: z.string(), exit: z.number(), extra: z.string() }).strict(),
  facts: () => [],
  plan: ({ name, exit, extra }) => {
    const out = `${APT_FIXTURES}/${name}.stdout`;
    const err = `${APT_FIXTURES}/${name}.stderr`;
    return { commands: [sh`tail -n +2 ${out}; ${raw(extra)}[ -f ${err} ] && tail -n +2 ${err} >&2; exit ${exit}`] };
  },
  progress: aptProgress,
  failureNote: aptFailure,
});

async function replayOn(name: string, o: { exit?: number; extra?: string } = {}) {
  const task = taskOf('Install ovn-host', replay, { n1: { name, exit: o.exit ?? 0, extra: o.extra ?? '' } });
  const pb: Playbook = {
    file: 'pb.yaml',
    plays: [{ name: 'p', hosts: 'all', tags: [], tasks: [task], handlers: [], pos: task.pos, targets: ['n1'] }],
  };
  const { events } = await runLocal(pb, guideInventory());
  const progress = events.filter((e): e is Extract<RunEvent, { type: 'task-progress' }> => e.type === 'task-progress');
  const result = events.find((e): e is Extract<RunEvent, { type: 'task' }> => e.type === 'task')!;
  return { progress, result };
}

describe('apt progress through the runner', () => {
  it('an install becomes task-progress events with words and a percent, each step once', async () => {
    const { progress, result } = await replayOn('install-ovs');
    expect(result.status).toBe('changed');
    expect(progress.length).toBeGreaterThan(40);
    for (const e of progress) {
      expect(e).toMatchObject({ play: 'p', task: 'Install ovn-host', host: 'n1' });
      expect(e.percent).toBeGreaterThanOrEqual(0);
      expect(e.percent).toBeLessThanOrEqual(100);
    }
    // apt repeats a download line every half second while the percent stands still: shown once.
    const keys = progress.map((e) => `${e.msg} ${e.percent}`);
    expect(keys.every((k, i) => i === 0 || k !== keys[i - 1])).toBe(true);
    expect(keys).toContain('unpacking openvswitch-switch 47');
    const dpkg = progress.slice(progress.findIndex((e) => e.msg === 'running dpkg')).map((e) => e.percent!);
    expect(dpkg.every((p, i) => i === 0 || p >= dpkg[i - 1])).toBe(true);
  });

  it('masks a secret that a progress line would show', async () => {
    // guideInventory's k8s token is s3cr3t-t0ken
    const { progress } = await replayOn('update', {
      extra: 'echo "pmstatus:s3cr3t-t0ken:50.0:Unpacking s3cr3t-t0ken"; ',
    });
    expect(progress.at(-1)).toMatchObject({ msg: 'unpacking ********', percent: 50 });
    expect(JSON.stringify(progress)).not.toContain('s3cr3t-t0ken');
  });

  it("a failed fetch: the message ends with apt's errors and which of them were transient", async () => {
    const { result } = await replayOn('install-503-404', { exit: 100 });
    expect(result.status).toBe('failed');
    const lines = result.msg.split('\n');
    expect(lines[0]).toMatch(/^exit 100: tail -n \+2 /);
    expect(lines).toContain('E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?');
    expect(lines.slice(-2)).toEqual([
      'apt: 4 fetches failed with transient errors (503 Service Unavailable) after 3 retries each ' +
        '(Acquire::Retries=3): the mirror was unreachable or overloaded; a rerun may succeed',
      'apt: 1 fetch failed with an error apt does not retry (404 Not Found)',
    ]);
  });
});
