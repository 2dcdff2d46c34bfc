// The runner end to end on LocalConnection "hosts" (each one a temp dir): no sshd, real shell.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import type { Connection } from '../../../src/connection/types.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { RunEvent } from '../../../src/playbook/events.js';
import { exitCodeFor } from '../../../src/report/recap.js';
import { guideInventory } from '../../helpers/inventory.js';
import { runLocal } from '../../helpers/run-local.js';

function setup(playbookYaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'ovnctl-runner-'));
  const pbFile = join(dir, 'pb.yaml');
  writeFileSync(pbFile, playbookYaml);
  const inv = guideInventory();
  return { dir, pbFile, inv };
}

async function run(
  pbFile: string,
  inv: ReturnType<typeof guideInventory>,
  o: { check?: boolean; limit?: string[]; connect?: (name: string) => Connection; tags?: string[] } = {},
) {
  const selected = o.limit ? inv.hosts.filter((h) => o.limit!.includes(h.name)) : inv.hosts;
  const pb = loadPlaybook(pbFile, inv, { selected, extraVars: {} });
  const { result, events, conns } = await runLocal(pb, inv, o);
  return {
    result,
    events,
    tasks: events.filter((e): e is Extract<RunEvent, { type: 'task' }> => e.type === 'task'),
    conns,
  };
}

const copyPlaybook = (dir: string) => `
- name: files
  hosts: all
  tasks:
    - name: write a file per host
      copy:
        dest: "${dir}/{{ host.name }}.txt"
        content: "hello {{ host.name }} {{ cluster.nbPort }}\\n"
        mode: "0640"
    - name: only on masters
      copy:
        dest: "${dir}/master-only"
        content: x
      when: "'master' in host.roles"
`;

describe('runner', () => {
  it('changes on the first run, changes nothing on the second', async () => {
    const { dir, pbFile, inv } = setup('');
    writeFileSync(pbFile, copyPlaybook(dir));
    const first = await run(pbFile, inv);
    expect(first.result.hosts.m1).toEqual({ ok: 0, changed: 2, failed: 0, skipped: 0, unreachable: 0 });
    expect(first.result.hosts.n1).toEqual({ ok: 0, changed: 1, failed: 0, skipped: 1, unreachable: 0 });
    expect(readFileSync(join(dir, 'n2.txt'), 'utf8')).toBe('hello n2 6641\n');
    const second = await run(pbFile, inv);
    for (const c of Object.values(second.result.hosts)) expect(c.changed).toBe(0);
    expect(exitCodeFor(second.result.hosts, false)).toBe(0);
  });

  it('--check changes nothing and reports what would change', async () => {
    const { dir, pbFile, inv } = setup('');
    writeFileSync(pbFile, copyPlaybook(dir));
    const r = await run(pbFile, inv, { check: true });
    expect(r.result.hosts.m1.changed).toBe(2);
    expect(existsSync(join(dir, 'm1.txt'))).toBe(false);
  });

  it('a failing host leaves the play; the others finish; exit 2', async () => {
    const { dir, pbFile, inv } = setup('');
    writeFileSync(
      pbFile,
      `
- name: p
  hosts: all
  tasks:
    - name: break n1
      copy: { dest: "${dir}/{{ host.name }}/f", content: x }
`,
    );
    // n1 gets a path under a regular file, so mkdir fails there only.
    writeFileSync(join(dir, 'n1'), 'not a dir');
    const r = await run(pbFile, inv);
    expect(r.result.hosts.n1.failed).toBe(1);
    expect(r.result.hosts.m1.changed).toBe(1);
    expect(r.result.hosts.n2.changed).toBe(1);
    expect(r.tasks.find((t) => t.host === 'n1')?.msg).toMatch(/exit 1/);
    expect(exitCodeFor(r.result.hosts, false)).toBe(2);
  });

  it('an unreachable host is reported as such, never hides the others, and exit 4 wins over 2', async () => {
    const { dir, pbFile, inv } = setup('');
    writeFileSync(pbFile, copyPlaybook(dir));
    const dead = new LocalConnection('n2');
    dead.connect = async () => {
      throw new (await import('../../../src/errors.js')).UnreachableError('n2: connect ECONNREFUSED');
    };
    const r = await run(pbFile, inv, { connect: (n) => (n === 'n2' ? dead : new LocalConnection(n)) });
    expect(r.result.hosts.n2.unreachable).toBe(1);
    expect(r.result.hosts.m1.changed).toBe(2);
    expect(
      exitCodeFor({ ...r.result.hosts, x: { ok: 0, changed: 0, failed: 1, skipped: 0, unreachable: 0 } }, false),
    ).toBe(4);
  });

  it('honours --limit through the selection: unselected hosts are never contacted', async () => {
    const { dir, pbFile, inv } = setup('');
    writeFileSync(pbFile, copyPlaybook(dir));
    const r = await run(pbFile, inv, { limit: ['n1'] });
    expect(Object.keys(r.result.hosts)).toEqual(['n1']);
    expect(r.conns.map((c) => c.hostName)).toEqual(['n1']);
  });

  it('runs handlers once, at the end of the play, only when notified by a change', async () => {
    const { dir, pbFile, inv } = setup('');
    writeFileSync(
      pbFile,
      `
- name: p
  hosts: m1
  tasks:
    - name: conf
      copy: { dest: "${dir}/conf", content: a }
      notify: [mark]
  handlers:
    - name: mark
      copy: { dest: "${dir}/handled", content: "{{ host.name }}" }
`,
    );
    await run(pbFile, inv);
    expect(readFileSync(join(dir, 'handled'), 'utf8')).toBe('m1');
    const second = await run(pbFile, inv);
    expect(second.tasks.map((t) => t.task)).toEqual(['conf']);
  });

  it('reads the facts of every play in one round trip per host on a no-op rerun', async () => {
    const { dir, pbFile, inv } = setup('');
    writeFileSync(
      pbFile,
      copyPlaybook(dir) +
        `
- name: second play
  hosts: nodes
  tasks:
    - name: another file
      copy: { dest: "${dir}/{{ host.name }}-2.txt", content: "two" }
`,
    );
    await run(pbFile, inv);
    let execs = 0;
    const counting = (n: string) => {
      const c = new LocalConnection(n);
      const exec = c.exec.bind(c);
      c.exec = (s, o) => {
        execs++;
        return exec(s, o);
      };
      return c;
    };
    await run(pbFile, inv, { connect: counting });
    expect(execs).toBe(3); // one per host, for all plays
  });
});
