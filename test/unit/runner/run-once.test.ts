// run_once: a task only the first selected live host of the play (of the batch, under serial) runs,
// shown once; the others neither run nor report it. Handlers it notifies run on that host only.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import { UnreachableError } from '../../../src/errors.js';
import { guideInventory } from '../../helpers/inventory.js';
import { fiveHosts, inputError, load, runFile, writeFiles } from './playbook-files.js';

/** A play on every host: a per-host file, then a run_once file naming who wrote it, notifying a handler. */
function setup(extra: { when?: string; serial?: string } = {}) {
  const dir = writeFiles({});
  const text = `
- name: p
  hosts: all
  ${extra.serial ? `serial: ${extra.serial}` : ''}
  tasks:
    - name: per host
      copy: { dest: "${dir}/{{ host.name }}.txt", content: x }
    - name: once
      copy: { dest: "${dir}/once", content: "{{ host.name }}" }
      run_once: true
      ${extra.when ? `when: "${extra.when}"` : ''}
      notify: [mark]
  handlers:
    - name: mark
      copy: { dest: "${dir}/handled-{{ host.name }}", content: x }
`;
  writeFileSync(join(dir, 'pb.yaml'), text);
  return { dir, file: join(dir, 'pb.yaml') };
}

describe('run_once', () => {
  it('runs on the first host only and shows one result, for that host; the others only run the rest', async () => {
    const { dir, file } = setup();
    const r = await runFile(file, guideInventory());
    expect(r.tasks.filter((t) => t.task === 'once').map((t) => [t.host, t.status])).toEqual([['m1', 'changed']]);
    const started = r.events.flatMap((e) => (e.type === 'task-start' && e.task === 'once' ? [e.host] : []));
    expect(started).toEqual(['m1']);
    expect(readFileSync(join(dir, 'once'), 'utf8')).toBe('m1');
    expect(r.result.hosts.m1).toMatchObject({ changed: 3, skipped: 0 }); // per host, once, its handler
    expect(r.result.hosts.n1).toMatchObject({ changed: 1, skipped: 0 });
    expect(r.result.hosts.n2).toMatchObject({ changed: 1, skipped: 0 });
  });

  it('notifies the handlers of the host that ran it, and of no other host', async () => {
    const { dir, file } = setup();
    const r = await runFile(file, guideInventory());
    expect(r.tasks.filter((t) => t.task === 'mark').map((t) => t.host)).toEqual(['m1']);
    expect(['m1', 'n1', 'n2'].map((h) => existsSync(join(dir, `handled-${h}`)))).toEqual([true, false, false]);
  });

  it('runs on the first host --limit selects', async () => {
    const { dir, file } = setup();
    const r = await runFile(file, guideInventory(), { limit: ['n1', 'n2'] });
    expect(r.tasks.filter((t) => t.task === 'once').map((t) => t.host)).toEqual(['n1']);
    expect(readFileSync(join(dir, 'once'), 'utf8')).toBe('n1');
  });

  it('runs on the first live host when the first one is unreachable', async () => {
    const { dir, file } = setup();
    const dead = new LocalConnection('m1');
    dead.connect = async () => {
      throw new UnreachableError('m1: connect ECONNREFUSED');
    };
    const r = await runFile(file, guideInventory(), { connect: (n) => (n === 'm1' ? dead : new LocalConnection(n)) });
    expect(r.result.hosts.m1.unreachable).toBe(1);
    expect(r.tasks.filter((t) => t.task === 'once').map((t) => t.host)).toEqual(['n1']);
    expect(readFileSync(join(dir, 'once'), 'utf8')).toBe('n1');
  });

  it('follows the condition of the host that runs it: false there, it is skipped once and runs nowhere', async () => {
    const { dir, file } = setup({ when: "'node' in host.roles" });
    const r = await runFile(file, guideInventory());
    expect(r.tasks.filter((t) => t.task === 'once').map((t) => [t.host, t.status])).toEqual([['m1', 'skipped']]);
    expect(existsSync(join(dir, 'once'))).toBe(false);
  });

  it('runs once per batch under serial', async () => {
    const { file } = setup({ serial: '2' });
    const r = await runFile(file, fiveHosts());
    expect(r.tasks.filter((t) => t.task === 'once').map((t) => t.host)).toEqual(['m1', 'n2', 'n4']);
  });

  it('keeps a no-op rerun at one fact round trip per host; only the host that runs it reads its facts', async () => {
    const { file } = setup();
    const inv = guideInventory();
    await runFile(file, inv);
    const execs: string[] = [];
    const counting = (n: string) => {
      const c = new LocalConnection(n);
      const exec = c.exec.bind(c);
      c.exec = (s, o) => {
        execs.push(`${n} ${o?.display ?? ''}`);
        return exec(s, o);
      };
      return c;
    };
    const r = await runFile(file, inv, { connect: counting });
    expect(r.result.hosts.m1.changed + r.result.hosts.n1.changed + r.result.hosts.n2.changed).toBe(0);
    expect(execs.map((e) => e.split(' ')[0]).sort()).toEqual(['m1', 'n1', 'n2']);
    expect(execs.find((e) => e.startsWith('n1'))).not.toContain('/once');
    expect(execs.find((e) => e.startsWith('m1'))).toContain('/once');
  });

  it('is true or false, checked at its file:line:col', () => {
    const dir = writeFiles({
      'pb.yaml': '- name: p\n  hosts: all\n  tasks:\n    - name: t\n      preflight: {}\n      run_once: yes\n',
    });
    const e = inputError(() => load(join(dir, 'pb.yaml'), guideInventory()), join(dir, 'pb.yaml'), 6, 17);
    expect(e.detail).toBe('run_once: expected true or false');
  });

  it('is for tasks, not handlers', () => {
    const text =
      '- name: p\n  hosts: all\n  tasks: []\n  handlers:\n' +
      '    - name: h\n      preflight: {}\n      run_once: true\n';
    const dir = writeFiles({ 'pb.yaml': text });
    const e = inputError(() => load(join(dir, 'pb.yaml'), guideInventory()), join(dir, 'pb.yaml'), 7, 17);
    expect(e.detail).toBe('run_once is for tasks, not handlers');
  });
});
