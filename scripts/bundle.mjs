// Bundles the CLI into dist/ovnctl/ (bin/ovnctl.js runs it): one file to compile instead of ~260 ES
// modules cuts start-up from ~0.35 s to ~0.2 s, which is most of a no-op rerun on a small cluster.
// Code that only some commands need (the lab, the TTY reporter) is split into chunks loaded on use.
// Import npm packages statically: in a split bundle, `await import('<CommonJS package>')` yields
// only `default` (yaml's stringify was undefined that way).
// ssh2 stays external: its optional native crypto binding is loaded relative to its own files.
// The output sits two levels under the package root, like dist/cli/, so paths built from
// import.meta.url (src/cli/paths.ts, src/lab/ovnkube-recorder.ts) resolve the same in both builds.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

// An ES module that imports `node:process` (chalk's supports-color does) makes Node fill in every export
// of that namespace at load, process.stdin included: a ReadStream built for nothing (~10 ms of start-up).
// The global `process` is the same object without that.
const globalProcess = {
  name: 'global-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?process$/ }, () => ({ path: 'process', namespace: 'global-process' }));
    b.onLoad({ filter: /.*/, namespace: 'global-process' }, () => ({
      // CommonJS, so both `import process from` (chalk) and `require('process')` (yaml) get the object.
      contents: 'module.exports = globalThis.process;',
      loader: 'js',
    }));
  },
};
const outdir = `${root}dist/ovnctl`;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: `${root}src/cli/index.ts` },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['ssh2'],
  plugins: [globalProcess],
  // Bundled CommonJS dependencies (yargs' helpers, ...) call require(): give the ESM bundle one.
  banner: {
    js:
      "import { createRequire as __ovnctlRequire } from 'node:module'; " +
      'const require = __ovnctlRequire(import.meta.url);',
  },
  sourcemap: 'linked',
  logLevel: 'warning',
});
