// The SSH floors: OpenSSH connect + `true` on every host at once, no ControlMaster, nothing from
// this machine's ssh config; the wall time until the last one exits. And the ssh2 floor (issue 17): a
// Node process with ovnctl's ssh library doing the same (tools/ssh2-floor.mjs), start-up included.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { cleanEnv, wall } from './process.mjs';

/** OpenSSH's argv for the lab's hosts: only the lab's key and known_hosts, strict, no multiplexing. */
export function sshBase(inv) {
  return [
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
}

/** `script` on every host of the lab at once over OpenSSH; the wall time until the last one exits. */
export async function onEveryHost(labInventoryPath, script) {
  const inv = parse(readFileSync(labInventoryPath, 'utf8'));
  const t0 = performance.now();
  const runs = await Promise.all(
    Object.values(inv.hosts).map((h) =>
      wall('ssh', [...sshBase(inv), `${inv.ssh.user}@${h.address}`, script], { env: cleanEnv() }),
    ),
  );
  const ms = performance.now() - t0;
  const failed = runs.filter((r) => r.rc !== 0).length;
  if (failed) throw new Error(`ssh ${script} failed on ${failed} hosts of ${labInventoryPath}`);
  return ms;
}

export function sshFloor(labInventoryPath) {
  return onEveryHost(labInventoryPath, 'true');
}

const SSH2_FLOOR = fileURLToPath(new URL('../tools/ssh2-floor.mjs', import.meta.url));

/**
 * Wall time of one ssh2 floor process over every host of the lab inventory. With `commandsDir`, each host
 * runs ovnctl's recorded read there instead of `true`: the floor of the hosts' side too, which on the lab
 * shares this machine's cores with everything else (issue 17).
 */
export async function ssh2Floor(labInventoryPath, commandsDir) {
  const env = { ...cleanEnv(), ...(commandsDir ? { COMMANDS_DIR: commandsDir } : {}) };
  const r = await wall(process.execPath, [SSH2_FLOOR, labInventoryPath], { env });
  if (r.rc !== 0) throw new Error(`the ssh2 floor failed on ${labInventoryPath} (exit ${r.rc})`);
  return r.ms;
}
