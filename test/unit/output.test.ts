// What a user sees at the end of a run and how to turn colors off: NO_COLOR, --no-color, the recap's
// one-line summary with the elapsed time, and the shell completion script.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/index.js';
import { formatRecap } from '../../src/report/recap.js';
import { makeStyle, wantsColor } from '../../src/report/style.js';

const ESC = '\u001b[';
const tty = { isTTY: true };

describe('colors', () => {
  test('on a terminal by default; never into a pipe or file', () => {
    expect(wantsColor(tty, false, {})).toBe(true);
    expect(wantsColor({ isTTY: false }, false, {})).toBe(false);
    expect(wantsColor({}, false, {})).toBe(false);
  });

  test('NO_COLOR with any non-empty value turns them off (no-color.org); empty does not', () => {
    expect(wantsColor(tty, false, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor(tty, false, { NO_COLOR: 'false' })).toBe(false);
    expect(wantsColor(tty, false, { NO_COLOR: '' })).toBe(true);
  });

  test('--no-color turns them off', () => {
    expect(wantsColor(tty, true, {})).toBe(false);
  });

  test('without colors the recap has no escape sequences; with them it has', () => {
    const hosts = { m1: { ok: 3, changed: 1, failed: 0, skipped: 0, unreachable: 0 } };
    expect(formatRecap(hosts, 1000, makeStyle(false))).not.toContain(ESC);
    expect(formatRecap(hosts, 1000, makeStyle(true))).toContain(ESC);
  });

  test('the CLI takes --no-color (yargs would refuse an unknown option)', async () => {
    const out = await captured(() => main(['schema', '--no-color']));
    expect(out.code).toBe(0);
    expect(out.text).toContain('"$schema"');
  });
});

test("the recap ends with one line: hosts, how many changed, failed, unreachable, and the run's time", () => {
  const zero = { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0 };
  const recap = formatRecap(
    {
      m1: { ...zero, ok: 9, changed: 2 },
      n1: { ...zero, ok: 4, failed: 1 },
      n2: { ...zero, unreachable: 1 },
      n3: { ...zero, ok: 9 },
    },
    83_456,
    makeStyle(false),
  );
  const lines = recap.split('\n');
  expect(lines[0]).toBe('PLAY RECAP');
  expect(lines.at(-1)).toBe('4 hosts: 1 changed, 1 failed, 1 unreachable in 83.5s');
});

describe('ovnctl completion', () => {
  const shell = process.env.SHELL;
  afterEach(() => {
    if (shell === undefined) delete process.env.SHELL;
    else process.env.SHELL = shell;
  });

  test('prints a bash completion script for ovnctl', async () => {
    process.env.SHELL = '/bin/bash';
    const { code, text } = await captured(() => main(['completion']));
    expect(code).toBe(0);
    expect(text).toContain('###-begin-ovnctl-completions-###');
    expect(text).toContain('ovnctl --get-yargs-completions');
    expect(text).toMatch(/^complete .* ovnctl$/m);
  });

  test('prints a zsh script when the shell is zsh', async () => {
    process.env.SHELL = '/usr/bin/zsh';
    const { text } = await captured(() => main(['completion']));
    expect(text).toMatch(/^#compdef ovnctl/);
    expect(text).toMatch(/^compdef _ovnctl_yargs_completions ovnctl$/m);
  });

  test('the script asks ovnctl, which completes command names and options', async () => {
    process.env.SHELL = '/bin/bash';
    const commands = await captured(() => main(['--get-yargs-completions', 'ovnctl', 'inv']));
    expect(commands.text.split('\n')).toEqual(expect.arrayContaining(['install', 'inventory', 'verify']));
    const options = await captured(() => main(['--get-yargs-completions', 'ovnctl', 'install', '--']));
    expect(options.text.split('\n')).toEqual(expect.arrayContaining(['--inventory', '--limit', '--check']));
  });
});

/** Runs the CLI in-process, collecting what it prints on stdout (yargs prints through console.log). */
async function captured(fn: () => Promise<void>): Promise<{ code: number; text: string }> {
  const chunks: string[] = [];
  const log = vi
    .spyOn(console, 'log')
    .mockImplementation((...args: unknown[]) => void chunks.push(args.join(' ') + '\n'));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((c) => {
    chunks.push(String(c));
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await fn();
    return { code: Number(process.exitCode ?? 0), text: chunks.join('') };
  } finally {
    log.mockRestore();
    write.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}
