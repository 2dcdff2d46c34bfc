// gate: true (the preflight play): every task runs on every host even after one fails there, so a host's
// every problem is reported; a host with a failure then leaves the run when the play ends, before the
// plays that change things, while the other hosts go on.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import type { Connection } from '../../../src/connection/types.js';
import { exitCodeFor } from '../../../src/report/recap.js';
import { fiveHosts, inputError, load, runFile, writeFiles } from './playbook-files.js';

/** Two checks that fail on n2 (their directory is a file there), then a play that writes on every host. */
function setup(gate: string) {
  const dir = writeFiles({});
  for (const h of ['m1', 'n1', 'n3', 'n4']) mkdirSync(join(dir, h));
  writeFileSync(join(dir, 'n2'), 'a file where a directory should be');
  const file = join(dir, 'pb.yaml');
  writeFileSync(
    file,
    `
- name: checks
  hosts: all
  ${gate}
  tasks:
    - name: first
      copy: { dest: "${dir}/{{ host.name }}/a", content: x }
    - name: second
      copy: { dest: "${dir}/{{ host.name }}/b", content: x }
- name: change
  hosts: all
  tasks:
    - name: after
      copy: { dest: "${dir}/after-{{ host.name }}", content: x }
`,
  );
  return { dir, file };
}

describe('gate', () => {
  it("runs every task on a failing host, then stops that host at the play's end; the others go on", async () => {
    const { dir, file } = setup('gate: true');
    const r = await runFile(file, fiveHosts());
    const n2 = r.tasks.filter((t) => t.host === 'n2').map((t) => `${t.task}:${t.status}`);
    expect(n2).toEqual(['first:failed', 'second:failed']);
    expect(existsSync(join(dir, 'after-n2'))).toBe(false);
    for (const h of ['m1', 'n1', 'n3', 'n4']) expect(existsSync(join(dir, `after-${h}`))).toBe(true);
    expect(r.result.hosts.n2).toMatchObject({ failed: 2, changed: 0 });
    expect(exitCodeFor(r.result.hosts, r.result.interrupted)).toBe(2);
  });

  it('a host that does not answer a read fails once and leaves: its checks do not each wait again', async () => {
    const { dir, file } = setup('gate: true');
    let reads = 0;
    // n2's fact reads hang past its ssh.commandTimeout (the stat the copies need).
    const connect = (name: string): Connection => {
      const c = new LocalConnection(name, { commandTimeoutMs: name === 'n2' ? 300 : 0 });
      if (name !== 'n2') return c;
      const exec = c.exec.bind(c);
      c.exec = (script, opts) => {
        const read = opts?.display?.startsWith('gather facts') ?? false;
        if (read) reads++;
        return exec(read ? 'sleep 30' : script, opts);
      };
      return c;
    };
    const r = await runFile(file, fiveHosts(), { connect });
    const n2 = r.tasks.filter((t) => t.host === 'n2');
    expect(n2.map((t) => `${t.task}:${t.status}`)).toEqual(['first:failed']);
    expect(n2[0].msg).toMatch(/^gathering facts timed out after 0\.\d s \(ssh\.commandTimeout\)$/);
    expect(reads).toBe(1);
    for (const h of ['m1', 'n1', 'n3', 'n4']) expect(existsSync(join(dir, `after-${h}`))).toBe(true);
    expect(r.result.hosts.n2).toMatchObject({ failed: 1, changed: 0 });
  });

  it('without gate, a failure stops the host at once: the second check is not run', async () => {
    const { file } = setup('');
    const r = await runFile(file, fiveHosts());
    expect(r.tasks.filter((t) => t.host === 'n2').map((t) => t.task)).toEqual(['first']);
  });

  it('is a boolean: anything else is an exit-5 error at its position', () => {
    const { file } = setup('gate: sometimes');
    inputError(() => load(file, fiveHosts()), file, 4, 9);
  });
});
