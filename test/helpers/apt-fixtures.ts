// apt-get output recorded on a lab host (test/fixtures/apt-status/): each file's first line says where
// and how it was recorded; the rest is the command's stdout (with its Status-Fd lines) or stderr.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APT_FIXTURES = fileURLToPath(new URL('../fixtures/apt-status', import.meta.url));

/** The recorded output, without the first (provenance) line. */
export function aptFixture(name: string): string {
  const text = readFileSync(join(APT_FIXTURES, name), 'utf8');
  return text.slice(text.indexOf('\n') + 1);
}
