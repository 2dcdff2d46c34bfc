// include: FILE splices the plays (at play level) or the tasks (in tasks:/handlers:) of another file in
// where it stands, relative to the including file. Errors name the file they are in; a missing file,
// a cycle or too deep a nesting is an exit-5 error at the include that causes it.
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { bundledPlaybook } from '../../../src/cli/paths.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { MAX_INCLUDE_DEPTH } from '../../../src/playbook/include.js';
import { guideInventory } from '../../helpers/inventory.js';
import { inputError, load, runFile, writeFiles } from './playbook-files.js';

const inv = guideInventory();

describe('include', () => {
  it("gives the included plays the include's vars: over their own play vars, under -e", () => {
    const dir = writeFiles({
      'main.yaml': '- include: checks.yaml\n  vars: {level: 2}\n- include: checks.yaml\n',
      'checks.yaml': `
- name: checks
  hosts: m1
  vars: {level: 1, other: x}
  tasks:
    - name: write
      copy: { dest: "/tmp/{{ level }}-{{ other }}", content: a }
`,
    });
    const dests = (extraVars: Record<string, unknown>) =>
      load(join(dir, 'main.yaml'), inv, { extraVars }).plays.map(
        (p) => (p.tasks[0].prepared.get('m1')!.args as { dest: string }).dest,
      );
    expect(dests({})).toEqual(['/tmp/2-x', '/tmp/1-x']);
    expect(dests({ level: 3 })).toEqual(['/tmp/3-x', '/tmp/3-x']);
  });

  it('refuses vars: on a task include and vars: that is not a mapping, at their position', () => {
    const dir = writeFiles({
      'tasks.yaml': '- name: p\n  hosts: m1\n  tasks:\n    - include: t.yaml\n      vars: {a: 1}\n',
      'plays.yaml': '- include: t.yaml\n  vars: [a]\n',
      't.yaml': '[]\n',
    });
    const e = inputError(() => load(join(dir, 'tasks.yaml'), inv), join(dir, 'tasks.yaml'), 5, 7);
    expect(e.message).toMatch(/an include item holds only include: FILE; "vars"/);
    inputError(() => load(join(dir, 'plays.yaml'), inv), join(dir, 'plays.yaml'), 2, 9);
  });

  it('splices plays in at play level and tasks in at task level, each path relative to its own file', async () => {
    const dir = writeFiles({
      'main.yaml': `
- name: first
  hosts: m1
  tasks:
    - name: a
      copy: { dest: "{{ out }}/a", content: a }
- include: more/plays.yaml
- name: last
  hosts: m1
  tasks:
    - name: z
      copy: { dest: "{{ out }}/z", content: z }
`,
      'more/plays.yaml': `
- name: included play
  hosts: nodes
  tasks:
    - name: b
      copy: { dest: "{{ out }}/b-{{ host.name }}", content: b }
    - include: tasks/common.yaml
    - name: d
      copy: { dest: "{{ out }}/d-{{ host.name }}", content: d }
      notify: [handled]
  handlers:
    - include: tasks/handlers.yaml
`,
      'more/tasks/common.yaml': '- name: c\n  copy: { dest: "{{ out }}/c-{{ host.name }}", content: c }\n',
      'more/tasks/handlers.yaml': '- name: handled\n  copy: { dest: "{{ out }}/h-{{ host.name }}", content: h }\n',
    });
    const out = writeFiles({});
    const pb = load(join(dir, 'main.yaml'), inv, { extraVars: { out } });
    expect(pb.plays.map((p) => [p.name, p.tasks.map((t) => t.name)])).toEqual([
      ['first', ['a']],
      ['included play', ['b', 'c', 'd']],
      ['last', ['z']],
    ]);
    // Each task knows the file it was written in.
    expect(pb.plays[1].tasks.map((t) => [t.pos.file, t.pos.line])).toEqual([
      [join(dir, 'more/plays.yaml'), 6],
      [join(dir, 'more/tasks/common.yaml'), 2],
      [join(dir, 'more/plays.yaml'), 9],
    ]);
    const r = await runFile(join(dir, 'main.yaml'), inv, { extraVars: { out } });
    const shown = r.tasks.map((t) => `${t.play}/${t.task}@${t.host}`);
    // n1 and n2 run in parallel: each host's own order is what is fixed (a stable sort keeps it).
    expect([shown[0], ...shown.slice(1, -1).sort(byHost), shown.at(-1)]).toEqual([
      'first/a@m1',
      ...['n1', 'n2'].flatMap((h) => ['b', 'c', 'd', 'handled'].map((t) => `included play/${t}@${h}`)),
      'last/z@m1',
    ]);
    expect(readFileSync(join(out, 'h-n2'), 'utf8')).toBe('h');
  });

  it('names the included file, line and column of an error inside it', () => {
    const dir = writeFiles({
      'main.yaml': '- include: sub/plays.yaml\n',
      'sub/plays.yaml': '- name: p\n  hosts: all\n  tasks:\n    - include: tasks.yaml\n',
      'sub/tasks.yaml': '- name: ok\n  preflight: {}\n- name: typo\n  prefligt: {}\n',
    });
    const e = inputError(() => load(join(dir, 'main.yaml'), inv), join(dir, 'sub/tasks.yaml'), 4, 3);
    expect(e.detail).toMatch(/^unknown module or key "prefligt"/);
  });

  it('names the included file for a YAML syntax error in it, and for a bad play in it', () => {
    const dir = writeFiles({
      'main.yaml': '- name: p\n  hosts: all\n  tasks:\n    - include: broken.yaml\n',
      'broken.yaml': '- name: a\n  preflight: {}\n   oops: [\n',
      'plays.yaml': '- name: p\n  hosts: all\n  sereal: 2\n  tasks: []\n',
      'main2.yaml': '- include: plays.yaml\n',
    });
    expect(() => load(join(dir, 'main.yaml'), inv)).toThrow(new RegExp(`^${join(dir, 'broken.yaml')}:3:`));
    const e = inputError(() => load(join(dir, 'main2.yaml'), inv), join(dir, 'plays.yaml'), 3, 3);
    expect(e.detail).toMatch(/^unknown play key "sereal"/);
  });

  it('a missing file is an exit-5 error at the include that names it', () => {
    const dir = writeFiles({ 'main.yaml': '- name: p\n  hosts: all\n  tasks:\n    - include: nowhere.yaml\n' });
    const e = inputError(() => load(join(dir, 'main.yaml'), inv), join(dir, 'main.yaml'), 4, 16);
    expect(e.detail).toBe(`cannot read included playbook ${join(dir, 'nowhere.yaml')}: no such file`);
  });

  it('detects a cycle and shows its chain, at the include that closes it', () => {
    const dir = writeFiles({
      'a.yaml': '- name: a\n  hosts: all\n  tasks: []\n- include: b.yaml\n',
      'b.yaml': '# b\n- include: a.yaml\n',
    });
    const e = inputError(() => load(join(dir, 'a.yaml'), inv), join(dir, 'b.yaml'), 2, 12);
    const [a, b] = [join(dir, 'a.yaml'), join(dir, 'b.yaml')];
    expect(e.detail).toBe(`include cycle: ${a} → ${b} → ${a}`);
  });

  it('detects a task file that includes itself', () => {
    const dir = writeFiles({
      'main.yaml': '- name: p\n  hosts: all\n  tasks:\n    - include: t.yaml\n',
      't.yaml': '- include: ./t.yaml\n',
    });
    const e = inputError(() => load(join(dir, 'main.yaml'), inv), join(dir, 't.yaml'), 1, 12);
    expect(e.detail).toMatch(/^include cycle: /);
  });

  it(`stops includes nested deeper than ${MAX_INCLUDE_DEPTH} files`, () => {
    const files: Record<string, string> = { 'p0.yaml': '- include: p1.yaml\n' };
    for (let i = 1; i <= MAX_INCLUDE_DEPTH + 1; i++) files[`p${i}.yaml`] = `- include: p${i + 1}.yaml\n`;
    const dir = writeFiles(files);
    const e = inputError(() => load(join(dir, 'p0.yaml'), inv), join(dir, `p${MAX_INCLUDE_DEPTH}.yaml`), 1, 12);
    expect(e.detail).toMatch(new RegExp(`^includes nest deeper than ${MAX_INCLUDE_DEPTH} files`));
  });

  it('holds only include: FILE, names a file, and the file is a list', () => {
    const dir = writeFiles({
      'extra.yaml': '- include: x.yaml\n  hosts: all\n',
      'empty.yaml': '- name: p\n  hosts: all\n  tasks:\n    - include: ""\n',
      'map.yaml': '- include: mapping.yaml\n',
      'mapping.yaml': 'name: p\nhosts: all\n',
    });
    const extra = inputError(() => load(join(dir, 'extra.yaml'), inv), join(dir, 'extra.yaml'), 2, 3);
    expect(extra.detail).toBe(
      'an include item holds only include: FILE (and vars:); "hosts" belongs in the included file',
    );
    const empty = inputError(() => load(join(dir, 'empty.yaml'), inv), join(dir, 'empty.yaml'), 4, 16);
    expect(empty.detail).toMatch(/^include: expected a file name/);
    const notList = inputError(() => load(join(dir, 'map.yaml'), inv), join(dir, 'mapping.yaml'), 1, 1);
    expect(notList.detail).toBe('an included playbook is a list of plays');
  });
});

describe('the bundled playbooks', () => {
  const greMesh = {
    bridge: 'br0',
    podNetwork: '172.17.0.0/16',
    linuxBridge: 'docker0',
    tunnelType: 'gre',
    underlayBridge: false,
  };
  const withGre = guideInventory({ extra: { greMesh } });
  const plays = (file: string) => loadPlaybook(file, withGre, { selected: withGre.hosts, extraVars: {} }).plays;
  const ovsPlay = (file: string) => plays(file).find((p) => p.name === 'Package source and Open vSwitch');
  const shared = parse(readFileSync(bundledPlaybook('ovs'), 'utf8')) as { name: string; tasks: { name: string }[] }[];

  it('install and gre-mesh include one shared Open vSwitch play, with the names users know', () => {
    expect(shared.map((p) => p.name)).toEqual(['Package source and Open vSwitch']);
    const names = shared[0].tasks.map((t) => t.name);
    expect(names).toEqual([
      'Add the package source',
      'Install the build dependencies of dkms',
      'Install the Open vSwitch kernel datapath (dkms)',
      'Install Open vSwitch',
      'Install pip for the OVS Python bindings',
      'Install the OVS Python bindings (pip install ovs)',
      'Install the OVS Python bindings (python3-openvswitch)',
      'Start Open vSwitch',
    ]);
    for (const name of ['install', 'gre-mesh']) {
      expect(readFileSync(bundledPlaybook(name), 'utf8')).toMatch(/^- include: ovs\.yaml/m);
      const play = ovsPlay(bundledPlaybook(name))!;
      expect([play.hosts, play.tags, play.tasks.map((t) => t.name)]).toEqual(['all', ['ovs', 'packages'], names]);
    }
    const install = plays(bundledPlaybook('install')).map((p) => p.name);
    expect(install.slice(0, 3)).toEqual(['Preflight', 'Package source and Open vSwitch', 'OVN central (masters)']);
    // Both start with the one preflight play (a gate: a host that fails a check stops before any change).
    expect(
      plays(bundledPlaybook('gre-mesh'))
        .slice(0, 2)
        .map((p) => p.name),
    ).toEqual(['Preflight', 'Package source and Open vSwitch']);
    for (const name of ['install', 'gre-mesh']) {
      expect(readFileSync(bundledPlaybook(name), 'utf8')).toMatch(/^- include: preflight\.yaml/m);
      expect(plays(bundledPlaybook(name))[0].gate).toBe(true);
    }
  });

  it('load from wherever the package is installed: includes are relative to the playbook', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'ovnctl-installed-'));
    cpSync(join(bundledPlaybook('install'), '..'), join(elsewhere, 'playbooks'), { recursive: true });
    const play = ovsPlay(join(elsewhere, 'playbooks', 'gre-mesh.yaml'))!;
    expect(play.pos.file).toBe(join(elsewhere, 'playbooks', 'ovs.yaml'));
  });
});

/** Results of one play sorted host by host (hosts run in parallel), keeping each host's task order. */
function byHost(a: string, b: string): number {
  return a.split('@')[1].localeCompare(b.split('@')[1]);
}
