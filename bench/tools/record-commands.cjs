// Preload: writes the largest command ovnctl sends to each host (a no-op's batched read) to
// $RECORD_DIR/<address>.sh, for the ssh2 floor's COMMANDS_DIR (tools/ssh2-floor.mjs).
// Usage: RECORD_DIR=dir node --require ./bench/tools/record-commands.cjs bin/ovnctl.js install -i INV
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Client } = require('ssh2');
const dir = process.env.RECORD_DIR;
mkdirSync(dir, { recursive: true });
const largest = new Map();
const connect = Client.prototype.connect;
Client.prototype.connect = function (cfg) {
  this.__host = cfg.host;
  return connect.apply(this, arguments);
};
const exec = Client.prototype.exec;
Client.prototype.exec = function (cmd, ...rest) {
  if (cmd.length > (largest.get(this.__host)?.length ?? 0)) largest.set(this.__host, cmd);
  return exec.call(this, cmd, ...rest);
};
process.on('exit', () => {
  for (const [host, cmd] of largest) writeFileSync(join(dir, `${host}.sh`), cmd);
});
