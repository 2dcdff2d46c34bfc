// The HTTP server of the lab mirror: a detached node process on the bridge address, with a pidfile.
// It outlives `lab up`; `lab down` kills it (its pid and start time are in the lab state).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OvnctlError } from '../errors.js';
import { tail } from './exec.js';
import { probeTcp } from './lab-probe.js';
import { isRunning, sleep, spawnDetached } from './lab-processes.js';

// Plain ESM JavaScript, written to <dir>/mirror-server.mjs: serves files under a root, GET and HEAD.
const SERVER_SCRIPT =
  `// ovnctl lab: static HTTP server for the lab's apt mirror (started by \`ovnctl lab up\`).
import { createServer } from 'node:http';
import { createReadStream, stat, writeFileSync } from 'node:fs';
import { normalize, join, sep } from 'node:path';
const [root, host, port, pidfile] = process.argv.slice(2);
const server = createServer((req, res) => {
  let path;
  try { path = normalize(decodeURIComponent(new URL(req.url, 'http://lab').pathname)); } catch { path = ''; }
  const file = join(root, path);
  const done = (code) => { console.log(new Date().toISOString(), req.method, req.url, code); };
  if (!file.startsWith(root + sep) || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404).end(); return done(404);
  }
  stat(file, (err, st) => {
    if (err || !st.isFile()) { res.writeHead(404).end(); return done(404); }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': st.size, ` +
  `'last-modified': st.mtime.toUTCString() });
    if (req.method === 'HEAD') { res.end(); return done(200); }
    createReadStream(file).pipe(res);
    done(200);
  });
});
server.listen(Number(port), host, () => {
  writeFileSync(pidfile, process.pid + '\\n');
  console.log('serving', root, 'on', host + ':' + port);
});
process.on('SIGTERM', () => process.exit(0));
`;

/**
 * Start the server (served root: `root`, URL path /debian → root/debian) and wait until it accepts
 * connections. `onSpawn` is called with the pid right away so the caller records it before waiting.
 */
export async function startMirrorServer(opts: {
  dir: string;
  root: string;
  host: string;
  port: number;
  onSpawn: (pid: number, startTime: number) => void;
}): Promise<void> {
  const script = join(opts.dir, 'mirror-server.mjs');
  const log = join(opts.dir, 'mirror-server.log');
  const pidfile = join(opts.dir, 'mirror-server.pid');
  writeFileSync(script, SERVER_SCRIPT);
  const { pid, startTime } = spawnDetached(
    process.execPath,
    [script, opts.root, opts.host, String(opts.port), pidfile],
    log,
  );
  opts.onSpawn(pid, startTime);
  const deadline = Date.now() + 10_000;
  while (!(await probeTcp(opts.host, opts.port))) {
    if (!isRunning(pid, startTime) || Date.now() > deadline) {
      throw new OvnctlError(
        `the lab mirror's HTTP server on ${opts.host}:${opts.port} did not start:\n` +
          tail(readFileSync(log, 'utf8'), 10),
      );
    }
    await sleep(25);
  }
}
