// throttle: N on a task: at most N hosts run it at once across the run, its facts read within the
// throttle (not in the hosts' read ahead), whatever --forks allows; a bad value is an exit-5 error.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import type { ExecOptions } from '../../../src/connection/types.js';
import { fiveHosts, inputError, load, runFile, writeFiles } from './playbook-files.js';

/** A play on m1, n1..n4: a per-host file, then a file under `slow/`, throttled as `throttle` says. */
function setup(throttle: string | undefined) {
  const dir = writeFiles({});
  const file = join(dir, 'pb.yaml');
  writeFileSync(
    file,
    `
- name: p
  hosts: all
  tasks:
    - name: first
      copy: { dest: "${dir}/{{ host.name }}.txt", content: x }
    - name: asks the server
      copy: { dest: "${dir}/slow-{{ host.name }}", content: x }
      ${throttle !== undefined ? `throttle: ${throttle}` : ''}
`,
  );
  return { dir, file };
}

/**
 * Hosts whose every exec that touches a `slow-` file takes 40 ms more, counting how many such execs ran
 * at once (the server all hosts would ask), and which execs read the slow file before `first` changed.
 */
function countingHosts() {
  let now = 0;
  let peak = 0;
  const firstReads: string[] = [];
  const connect = (name: string) => {
    const c = new LocalConnection(name);
    const exec = c.exec.bind(c);
    let execs = 0;
    c.exec = async (script: string, opts?: ExecOptions) => {
      if (++execs === 1 && script.includes('slow-')) firstReads.push(name);
      if (!script.includes('slow-')) return exec(script, opts);
      peak = Math.max(peak, ++now);
      try {
        await new Promise((r) => setTimeout(r, 40));
        return await exec(script, opts);
      } finally {
        now--;
      }
    };
    return c;
  };
  return { connect, peak: () => peak, firstReads };
}

describe('throttle', () => {
  it('runs the task on at most N hosts at once, and reads its facts within the throttle', async () => {
    const { file } = setup('2');
    const hosts = countingHosts();
    const r = await runFile(file, fiveHosts(), { connect: hosts.connect });
    expect(r.tasks.filter((t) => t.task === 'asks the server' && t.status === 'changed')).toHaveLength(5);
    expect(hosts.peak()).toBe(2);
    expect(hosts.firstReads).toEqual([]);
  });

  it('without it, every host reads the task facts ahead and runs it at once (what the bound is for)', async () => {
    const { file } = setup(undefined);
    const hosts = countingHosts();
    await runFile(file, fiveHosts(), { connect: hosts.connect });
    expect(hosts.peak()).toBe(5);
    expect(hosts.firstReads).toHaveLength(5);
  });

  it('is a whole number of hosts from 1, else an exit-5 error at its value', () => {
    for (const bad of ['0', '-1', '1.5', 'lots', '"2"']) {
      const { file } = setup(bad);
      const e = inputError(() => load(file, fiveHosts()), file, 9, 17);
      expect(e.message).toContain('throttle: expected a number of hosts');
    }
  });
});
