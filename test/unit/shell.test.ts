import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quote } from '../../src/shell/quote.js';
import { sh } from '../../src/shell/command.js';
import { Secret } from '../../src/shell/secret.js';

const HOSTILE = [
  `it's`,
  `$(touch /tmp/pwned)`,
  '`id`',
  'a\nb',
  '"; rm -rf / #',
  '',
  ' ',
  '-n',
  '\\',
  '${HOME}',
  '*',
  '!x',
  'é ünï 🚀',
  "'''",
  '\t',
];

function echoBack(shell: string, word: string): string {
  return execFileSync(shell, ['-c', `printf '%s' ${quote(word)}`]).toString();
}

describe('POSIX quoting', () => {
  for (const shell of ['sh', 'bash']) {
    it(`brings hostile values through ${shell} byte-exact`, () => {
      for (const v of HOSTILE) expect(echoBack(shell, v)).toBe(v);
    });
  }
  it('brings any string through sh byte-exact (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0')),
        (s) => echoBack('sh', s) === s,
      ),
      { numRuns: 150 },
    );
  }, 60_000); // 150 shell spawns: slow on a loaded 2-core machine, and correctness is what counts
  it('leaves safe words bare', () => {
    expect(quote('ovn-central')).toBe('ovn-central');
    expect(quote('tcp:10.0.0.1:6642')).toBe('tcp:10.0.0.1:6642');
  });
});

describe('sh`...`', () => {
  it('quotes every interpolation and masks secrets in the display form', () => {
    const token = new Secret("t'ok$(x)");
    const c = sh`ovnkube -k8s-token=${token} ${['a b', 'c']}`;
    expect(c.script).toBe(`ovnkube -k8s-token='t'\\''ok$(x)' 'a b' c`);
    expect(c.display).not.toContain('ok$(x)');
    expect(c.display).toContain('********');
    expect(JSON.stringify({ token })).not.toContain('ok$(x)');
    expect(String(token)).toBe('********');
  });
});
