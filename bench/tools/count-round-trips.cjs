// Preload for profiling (PROFILE.md §2): counts ssh2 connects and exec channels per host and prints
// them to stderr at exit; with TRACE_EXECS=1 also one line per exec (start, duration, command head).
// Usage: node --require ./bench/tools/count-round-trips.cjs bin/ovnctl.js install -i INV --json
// With ROUND_TRIPS_FILE=path it also writes them there as JSON,
// {"<address>": {"connects": n, "execs": n, "locks": n}}: bench/run.mjs and test/e2e/raft.test.ts read that
// (hosts are keyed by the address ssh2 dials). `locks` are the run lock's channels (src/playbook/run-lock.ts):
// opened beside the first read and held for the run, they are not a round trip the run waits on in turn.
// With RECORD_DIR=dir it also writes the largest command sent to each host (a no-op's batched read) to
// dir/<address>.sh, which tools/ssh2-floor.mjs runs with COMMANDS_DIR=dir (the floor with ovnctl's read).
// ssh2 is external to the bundle, so patching its Client here reaches the CLI's connections.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Client } = require('ssh2');
const t0 = Date.now();
const trace = process.env.TRACE_EXECS === '1';
const counts = new Map();
const largest = new Map();
const of = (host) => counts.get(host) ?? (counts.set(host, { connects: 0, execs: 0, locks: 0 }), counts.get(host));
// The lock script's own words (lockScript): it takes flock on run.lock and then holds it while the shell
// reads stdin (HOLD_LOOP; `exec cat` before 2026-12-03).
const isRunLock = (cmd) =>
  cmd.includes('/run.lock"') && (cmd.includes('while read -r _; do :; done') || cmd.includes('exec cat >/dev/null'));

const connect = Client.prototype.connect;
Client.prototype.connect = function (cfg) {
  this.__host = cfg.host;
  of(cfg.host).connects++;
  return connect.apply(this, arguments);
};

const exec = Client.prototype.exec;
Client.prototype.exec = function (cmd, ...rest) {
  const host = this.__host;
  if (isRunLock(cmd)) of(host).locks++;
  else of(host).execs++;
  if (cmd.length > (largest.get(host)?.length ?? 0)) largest.set(host, cmd);
  const cb = rest.pop();
  const start = Date.now();
  const line = () => `${host} +${start - t0}ms ${Date.now() - start}ms ${cmd.replace(/\s+/g, ' ').slice(0, 140)}\n`;
  return exec.call(this, cmd, ...rest, (err, ch) => {
    if (ch && trace) ch.on('close', () => process.stderr.write(line()));
    cb(err, ch);
  });
};

process.on('exit', () => {
  const rows = [...counts].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  const text = rows.map(([h, c]) => `${h} ${c.connects} connect(s) ${c.execs} exec(s) ${c.locks} lock(s)`).join('; ');
  process.stderr.write(`round trips: ${text}\n`);
  const file = process.env.ROUND_TRIPS_FILE;
  if (file) writeFileSync(file, JSON.stringify(Object.fromEntries(rows)) + '\n');
  const dir = process.env.RECORD_DIR;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    for (const [host, cmd] of largest) writeFileSync(join(dir, `${host}.sh`), cmd);
  }
});
