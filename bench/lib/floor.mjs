// The SSH floor: OpenSSH connect + `true` on every host at once, no ControlMaster, nothing from
// this machine's ssh config; the wall time until the last one exits.
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { cleanEnv, wall } from './process.mjs';

export async function sshFloor(labInventoryPath) {
  const inv = parse(readFileSync(labInventoryPath, 'utf8'));
  const base = [
    '-F',
    '/dev/null',
    '-i',
    inv.ssh.privateKey,
    '-o',
    `UserKnownHostsFile=${inv.ssh.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ControlMaster=no',
    '-o',
    'ControlPath=none',
  ];
  const t0 = performance.now();
  const runs = await Promise.all(
    Object.values(inv.hosts).map((h) =>
      wall('ssh', [...base, `${inv.ssh.user}@${h.address}`, 'true'], { env: cleanEnv() }),
    ),
  );
  const ms = performance.now() - t0;
  const failed = runs.filter((r) => r.rc !== 0).length;
  if (failed) throw new Error(`ssh true failed on ${failed} hosts of ${labInventoryPath}`);
  return ms;
}
