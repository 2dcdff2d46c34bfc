// Where the bundled playbooks are, from src/ (tests) and from dist/ (the installed CLI).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const bundledPlaybook = (name: string): string => join(PACKAGE_ROOT, 'playbooks', `${name}.yaml`);
