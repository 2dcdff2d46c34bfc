// A Command's own secrets (a per-host value the inventory's registry does not know) are masked on every
// path the runner shows: the task event, the --log-file text (RunOptions.log) and a failure message.
// On LocalConnection "hosts", so the command really runs and its output really echoes the secret.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import { defineModule, type Module } from '../../../src/operations/module.js';
import type { RunEvent } from '../../../src/playbook/events.js';
import { runPlaybook } from '../../../src/playbook/run.js';
import type { Play, Playbook } from '../../../src/playbook/types.js';
import { jsonReporter } from '../../../src/report/json.js';
import { raw, sh } from '../../../src/shell/command.js';
import { Secret } from '../../../src/shell/secret.js';
import { guideInventory } from '../../helpers/inventory.js';
import { taskOf } from '../../helpers/task.js';

const OWN = 'per-host-secret-5e1f0c';
const TOKEN = 's3cr3t-t0ken'; // guideInventory's k8s token, which its registry holds

/** Prints the command's own secret on stdout and stderr (and the token), then exits with `exit`. */
const echoing = defineModule({
  name: 'echoing',
  args: z.object({ exit: z.number() }).strict(),
  facts: () => [],
  plan: ({ exit }) => ({
    commands: [sh`echo "got ${new Secret(OWN)}"; echo ${new Secret(OWN)} ${raw(TOKEN)} >&2; exit ${exit}`],
  }),
  // A line "WAIT x" is progress ("waiting for x"), as apt's lock waits are.
  progress: (line) => (line.startsWith('WAIT ') ? `waiting for ${line.slice(5)}` : undefined),
});

/** The same, but the command's output is a progress line that echoes its secret. */
const waiting = defineModule({
  ...echoing,
  name: 'waiting',
  plan: ({ exit }) => ({ commands: [sh`echo WAIT ${new Secret(OWN)}; exit ${exit}`] }),
});

function playbookOf(exits: Record<string, number>, module: Module = echoing): Playbook {
  const task = taskOf(
    'write the secret',
    module,
    Object.fromEntries(Object.entries(exits).map(([h, exit]) => [h, { exit }])),
  );
  const play: Play = {
    name: 'p',
    hosts: 'all',
    tags: [],
    tasks: [task],
    handlers: [],
    pos: task.pos,
    targets: Object.keys(exits),
  };
  return { file: 'pb.yaml', plays: [play] };
}

/** As test/helpers/run-local.ts, plus the `log` option (what --log-file writes). */
async function run(exits: Record<string, number>, module?: Module) {
  const inv = guideInventory();
  expect(inv.secrets.mask(OWN)).toBe(OWN); // only the command knows this one
  const events: RunEvent[] = [];
  const log: string[] = [];
  const result = await runPlaybook(playbookOf(exits, module), inv, {
    check: false,
    forks: 10,
    connect: (h) => new LocalConnection(h.name),
    readAsset: async () => Buffer.from(''),
    onEvent: (e) => events.push(e),
    log: (host, task, text) => log.push(`--- ${host} [${task}]\n${text}\n`),
  });
  const tasks = events.filter((e): e is Extract<RunEvent, { type: 'task' }> => e.type === 'task');
  return { result, events, tasks, log: log.join('') };
}

describe("a command's own secrets", () => {
  it('are masked in the changed task event, its commands and the log (the command got the value)', async () => {
    const r = await run({ m1: 0 });
    expect(r.result.hosts.m1.changed).toBe(1);
    const [task] = r.tasks;
    expect(task.status).toBe('changed');
    expect(task.msg).toContain("'********'");
    const shown = JSON.stringify(r.events);
    expect(shown).not.toContain(OWN);
    expect(shown).not.toContain(TOKEN);
    // The log has the command's output: the secret really was echoed, and is masked there.
    expect(r.log).toContain('--- m1 [write the secret]\n$ echo "got \'********\'"');
    expect(r.log).toContain('\ngot ********\n');
    expect(r.log).toContain('[stderr]\n******** ********\n');
    expect(r.log).not.toContain(OWN);
    expect(r.log).not.toContain(TOKEN);
  });

  it('are masked in the failure message (the command and the tail of its output)', async () => {
    const r = await run({ m1: 3, n1: 0 });
    expect(r.result.hosts.m1.failed).toBe(1);
    expect(r.result.hosts.n1.changed).toBe(1);
    const [failed] = r.tasks.filter((t) => t.host === 'm1');
    expect(failed.status).toBe('failed');
    expect(failed.msg).toBe("exit 3: echo \"got '********'\"; echo '********' ******** >&2; exit 3\n******** ********");
    expect(failed.msg).not.toContain(OWN);
    expect(r.log).toContain('[exit 3 in ');
    expect(r.log).not.toContain(OWN);
  });

  it('--json (the events as the JSON reporter writes them) never carries them', async () => {
    const r = await run({ m1: 3, n1: 0 });
    const lines: string[] = [];
    const reporter = jsonReporter((l) => lines.push(l));
    for (const e of r.events) reporter(e);
    expect(lines.join('\n')).toContain('********');
    expect(lines.join('\n')).not.toContain(OWN);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});

// A progress line may echo the running command's own secret: it is masked like the rest.
it("a progress line that echoes a command's own secret is masked in the task-progress event", async () => {
  const r = await run({ m1: 1 }, waiting);
  const progress = r.events.filter((e) => e.type === 'task-progress');
  expect(progress).toHaveLength(1);
  // The failure message's "(last progress: ...)" is masked already (the whole message is masked with the command).
  const last = '(last progress: waiting for ********)';
  expect(r.tasks[0].msg).toBe(`exit 1: echo WAIT '********'; exit 1\nWAIT ********\n${last}`);
  expect(JSON.stringify(progress)).not.toContain(OWN);
});
