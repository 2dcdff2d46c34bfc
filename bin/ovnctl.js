#!/usr/bin/env node
// Thin launcher: `npm run build` (run by `npm ci` through `prepare`) bundles the CLI into dist/ovnctl/.
import('../dist/ovnctl/main.js').then((m) => m.main(process.argv.slice(2)));
