#!/usr/bin/env node
// The ssh2 floor (issue 17): the least a Node process with ssh2 can do for a no-op rerun - start, load
// ssh2, dial every host of a lab inventory at once, verify its host key against the lab's known_hosts,
// run `true`, exit. Same library, ciphers, key exchange and host key type as ovnctl (ssh2's defaults,
// the known key's type first, TCP_NODELAY), so ovnctl ÷ this is what ovnctl itself costs.
// Usage: node bench/tools/ssh2-floor.mjs INVENTORY   (run as a process of its own: start-up counts)
// With COMMANDS_DIR=dir, a host whose address names a file there (dir/<address>.sh) runs that file's
// command instead of `true`: ovnctl's own read of a no-op, recorded by tools/count-round-trips.cjs, gives
// the floor of the hosts' side too (on the lab every host's work shares this machine's cores).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { parse } from 'yaml';

const inv = parse(readFileSync(process.argv[2], 'utf8'));
const key = readFileSync(inv.ssh.privateKey);
/** address → [key type, base64 key] of the lab's known_hosts (plain entries: the lab writes those). */
const known = new Map();
for (const line of readFileSync(inv.ssh.knownHosts, 'utf8').split('\n')) {
  const [names, type, b64] = line.trim().split(/\s+/);
  if (!b64 || names.startsWith('#') || names.startsWith('|')) continue;
  for (const n of names.split(',')) known.set(n.replace(/^\[(.*)\]:22$/, '$1'), [type, b64]);
}

const commandOf = (address) => {
  const file = process.env.COMMANDS_DIR && join(process.env.COMMANDS_DIR, `${address}.sh`);
  return file && existsSync(file) ? readFileSync(file, 'utf8') : 'true';
};

function dial(address) {
  const [type, b64] = known.get(address) ?? [];
  if (!b64) return Promise.reject(new Error(`${address}: not in ${inv.ssh.knownHosts}`));
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('error', (e) => reject(new Error(`${address}: ${e.message}`)));
    c.on('ready', () =>
      c.exec(commandOf(address), (err, ch) => {
        if (err) return reject(err);
        ch.on('close', (code) => {
          c.end();
          code === 0 ? resolve() : reject(new Error(`${address}: its command exited ${code}`));
        });
        ch.resume();
        ch.stderr.resume();
      }),
    );
    c.connect({
      host: address,
      port: inv.ssh.port ?? 22,
      username: inv.ssh.user,
      privateKey: key,
      readyTimeout: 60_000,
      algorithms: { serverHostKey: [type] },
      hostVerifier: (k) => k.toString('base64') === b64,
    });
    c.setNoDelay(true);
  });
}

const addresses = Object.values(inv.hosts).map((h) => h.address);
const results = await Promise.allSettled(addresses.map(dial));
const failed = results.filter((r) => r.status === 'rejected');
for (const f of failed) process.stderr.write(`${f.reason.message}\n`);
process.exit(failed.length === 0 ? 0 : 1);
