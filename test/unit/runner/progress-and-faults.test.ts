// The runner while commands run and when they go wrong, on LocalConnection "hosts": a module's
// progress lines become task-progress events (deduplicated, secrets masked) that the plain and JSON
// reporters show; a command that outlives ssh.commandTimeout fails its host only, naming the setting;
// Ctrl-C (abort) stops the run, closes the connections and still ends with the recap.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { splitLines } from '../../../src/connection/result.js';
import { LocalConnection } from '../../../src/connection/local.js';
import type { Connection } from '../../../src/connection/types.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { defineModule, type Module } from '../../../src/operations/module.js';
import type { RunEvent } from '../../../src/playbook/events.js';
import { runPlaybook } from '../../../src/playbook/run.js';
import type { Play, Playbook } from '../../../src/playbook/types.js';
import { jsonReporter } from '../../../src/report/json.js';
import { plainReporter } from '../../../src/report/plain.js';
import { exitCodeFor } from '../../../src/report/recap.js';
import { makeStyle } from '../../../src/report/style.js';
import { raw, sh } from '../../../src/shell/command.js';
import { guideInventory } from '../../helpers/inventory.js';
import { runLocal } from '../../helpers/run-local.js';
import { taskOf } from '../../helpers/task.js';

/** A module that runs a fixed script and calls lines starting with "WAIT " progress. */
const scripted = defineModule({
  name: 'scripted',
  args: z.object({ script: z.string() }).strict(),
  facts: () => [],
  plan: ({ script }) => ({ commands: [sh`${raw(script)}`] }),
  progress: (line) => (line.startsWith('WAIT ') ? `waiting for ${line.slice(5)}` : undefined),
});

function playbookOf(_inv: Inventory, scripts: Record<string, string>, mod: Module = scripted): Playbook {
  const task = taskOf('run it', mod, Object.fromEntries(Object.entries(scripts).map(([h, script]) => [h, { script }])));
  const play: Play = {
    name: 'p',
    hosts: 'all',
    tags: [],
    tasks: [task],
    handlers: [],
    pos: task.pos,
    targets: Object.keys(scripts),
  };
  return { file: 'pb.yaml', plays: [play] };
}

async function run(
  inv: Inventory,
  scripts: Record<string, string>,
  o: { signal?: AbortSignal; connect?: (name: string) => Connection } = {},
) {
  const { result, events, conns } = await runLocal(playbookOf(inv, scripts), inv, o);
  const of = <T extends RunEvent['type']>(type: T) =>
    events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
  return { result, events, of, conns };
}

describe('output lines (ExecOptions.onOutput)', () => {
  it('splits on \\n, \\r\\n and \\r, keeps UTF-8 characters whole across chunks, flushes the last line', () => {
    const got: string[] = [];
    const s = splitLines('stdout', (l, stream) => got.push(`${stream}:${l}`));
    const bytes = Buffer.from('a\r\nb\rü-\n\nlast');
    // one byte at a time: the worst chunking a channel can deliver
    for (const b of bytes) s.push(Buffer.from([b]));
    s.end();
    s.push(Buffer.from('ignored\n'));
    expect(got).toEqual(['stdout:a', 'stdout:b', 'stdout:ü-', 'stdout:', 'stdout:last']);
  });

  it('LocalConnection streams both streams line by line, and still returns the whole output', async () => {
    const lines: string[] = [];
    const res = await new LocalConnection().exec("printf 'one\\ntwo'; echo err >&2", {
      onOutput: (l, s) => lines.push(`${s}:${l}`),
    });
    expect(res.stdout).toBe('one\ntwo');
    expect(lines.sort()).toEqual(['stderr:err', 'stdout:one', 'stdout:two']);
  });
});

describe('task-progress', () => {
  it(
    "turns a running command's lock-wait lines into events, " + 'once per distinct message, before the task result',
    async () => {
      const inv = guideInventory();
      const r = await run(inv, {
        m1: 'echo "WAIT lock (pid 1)"; echo noise; echo "WAIT lock (pid 1)"; echo "WAIT lock (pid 2)"; echo done',
      });
      expect(r.of('task-progress').map((e) => [e.host, e.task, e.msg])).toEqual([
        ['m1', 'run it', 'waiting for lock (pid 1)'],
        ['m1', 'run it', 'waiting for lock (pid 2)'],
      ]);
      const order = r.events.map((e) => e.type);
      expect(order.indexOf('task')).toBeGreaterThan(order.lastIndexOf('task-progress'));
      expect(r.result.hosts.m1.changed).toBe(1);
    },
  );

  it('a task that fails after waiting says what it waited for (apt does not repeat who held the lock)', async () => {
    const r = await run(guideInventory(), {
      m1: 'echo "WAIT lock held by 42"; echo "E: Unable to acquire the lock" >&2; exit 100',
    });
    const failed = r.of('task').find((t) => t.host === 'm1')!;
    expect(failed.status).toBe('failed');
    expect(failed.msg.split('\n').slice(-2)).toEqual([
      'E: Unable to acquire the lock',
      '(last progress: waiting for lock held by 42)',
    ]);
  });

  it('masks the k8s token in progress messages', async () => {
    const inv = guideInventory(); // token s3cr3t-t0ken
    const r = await run(inv, { m1: 'echo "WAIT s3cr3t-t0ken"' });
    expect(r.of('task-progress')[0].msg).toBe('waiting for ********');
  });

  it('the plain reporter prints it as a line; --json carries it as a task-progress event', () => {
    const lines: string[] = [];
    const e: RunEvent = {
      type: 'task-progress',
      play: 'p',
      task: 'Install Open vSwitch',
      host: 'n1',
      msg: 'waiting for the lock /var/lib/dpkg/lock-frontend',
    };
    plainReporter((l) => lines.push(l), makeStyle(false), { diff: false, verbose: false })(e);
    expect(lines).toEqual(['progress: [n1] Install Open vSwitch: waiting for the lock /var/lib/dpkg/lock-frontend']);
    const json: string[] = [];
    jsonReporter((l) => json.push(l))(e);
    expect(JSON.parse(json[0])).toEqual(e);
  });
});

describe('a host that answers slowly', () => {
  it('fails alone when a command outlives ssh.commandTimeout, and the message names the setting', async () => {
    const inv = guideInventory();
    const slow = inv.hosts.find((h) => h.name === 'n2')!;
    slow.ssh = { ...slow.ssh, commandTimeoutMs: 300 };
    const r = await run(
      inv,
      { m1: 'true', n1: 'true', n2: 'sleep 30' },
      {
        connect: (n) => new LocalConnection(n, { commandTimeoutMs: n === 'n2' ? 300 : 0 }),
      },
    );
    expect(r.result.hosts.n2.failed).toBe(1);
    expect(r.result.hosts.m1.changed).toBe(1);
    expect(r.result.hosts.n1.changed).toBe(1);
    const failed = r.of('task').find((t) => t.host === 'n2')!;
    expect(failed.msg).toMatch(/^timed out after 0\.3 s \(ssh\.commandTimeout\): sleep 30/);
    expect(exitCodeFor(r.result.hosts, r.result.interrupted)).toBe(2);
  });
});

describe('Ctrl-C', () => {
  it(
    'stops starting work, closes every connection, reports the in-flight task as interrupted, ' +
      'and ends with the recap',
    async () => {
      const inv = guideInventory();
      const abort = new AbortController();
      const closed: string[] = [];
      const connect = (n: string) => {
        const c = new LocalConnection(n);
        const close = c.close.bind(c);
        c.close = async () => {
          closed.push(n);
          return close();
        };
        return c;
      };
      setTimeout(() => abort.abort(), 200);
      // Each host runs two commands: the abort comes during the first, so the second never starts.
      const twoCommands = defineModule({
        ...scripted,
        name: 'two',
        plan: ({ script }) => ({ commands: [sh`${raw(script)}`, sh`touch /nonexistent-dir/never`] }),
      });
      const events: RunEvent[] = [];
      const result = await runPlaybook(playbookOf(inv, { m1: 'sleep 0.5', n1: 'sleep 0.5' }, twoCommands), inv, {
        check: false,
        forks: 10,
        signal: abort.signal,
        connect: (h) => connect(h.name),
        readAsset: async () => Buffer.from(''),
        onEvent: (e) => events.push(e),
      });
      expect(result.interrupted).toBe(true);
      expect(exitCodeFor(result.hosts, result.interrupted)).toBe(130);
      expect(new Set(closed)).toEqual(new Set(['m1', 'n1']));
      const tasks = events.filter((e): e is Extract<RunEvent, { type: 'task' }> => e.type === 'task');
      expect(tasks.map((t) => [t.host, t.status, t.msg]).sort()).toEqual([
        ['m1', 'failed', 'interrupted'],
        ['n1', 'failed', 'interrupted'],
      ]);
      const last = events.at(-1)!;
      expect(last).toMatchObject({ type: 'recap', interrupted: true });
    },
  );
});
