// A copy of the build the bench measures (dist/, bin/, playbooks/, the lab's recorder script), taken
// at the start: a rebuild of the checkout during a long bench then changes nothing it measures.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function snapshotBuild(work) {
  if (!existsSync(join(ROOT, 'dist/ovnctl/main.js')))
    throw new Error('no build in dist/: run `npm run build` (npm run bench does)');
  const dir = join(work, 'ovnctl');
  mkdirSync(join(dir, 'src'), { recursive: true });
  for (const p of ['dist', 'bin', 'playbooks', 'package.json', 'src/lab'])
    cpSync(join(ROOT, p), join(dir, p), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return { dir, bin: join(dir, 'bin/ovnctl.js'), labModule: join(dir, 'dist/lab/index.js'), revision: revision() };
}

/** The commit measured, and whether the checkout had changes on top of it. */
function revision() {
  try {
    const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src', 'playbooks', 'bin'], {
        encoding: 'utf8',
      }).trim() !== '';
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
