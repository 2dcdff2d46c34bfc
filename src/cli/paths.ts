// Where the bundled playbooks are, from src/ (tests) and from dist/ (the installed CLI).
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const bundledPlaybook = (name: string): string => join(PACKAGE_ROOT, 'playbooks', `${name}.yaml`);

/** The package's version: yargs would look for package.json from the launcher's (symlinked) path and miss it. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
