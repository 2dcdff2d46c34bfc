// The Ansible side of the benchmark: Debian's ansible-core (installed when missing), an inventory
// generated from a lab's ovnctl inventory (same key, known_hosts and strict host key checking), and
// one ansible-playbook run timed from spawn to exit.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { cleanEnv, timed } from './process.mjs';

export const ANSIBLE_DIR = fileURLToPath(new URL('../ansible/', import.meta.url));
const PLAYBOOK = join(ANSIBLE_DIR, 'install.yaml');
const ANSIBLE_PLAYBOOK = '/usr/bin/ansible-playbook';

/** Debian's ansible-core (and GNU time for peak RSS), installed through apt when missing. */
export function ensureTools(log) {
  const missing = [];
  if (!existsSync(ANSIBLE_PLAYBOOK)) missing.push('ansible-core');
  if (!existsSync('/usr/bin/time')) missing.push('time');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0)
    throw new Error(`the bench needs ${missing.join(', ')}: run it as root, or apt-get install ${missing.join(' ')}`);
  log(`installing ${missing.join(', ')} from Debian (apt-get)`);
  const env = { ...cleanEnv(), DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['-q', 'update'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('apt-get', ['-q', '-y', '--no-install-recommends', 'install', ...missing], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export function ansibleVersion() {
  const out = execFileSync(ANSIBLE_PLAYBOOK, ['--version'], { env: cleanEnv(), encoding: 'utf8' });
  return out
    .split('\n')[0]
    .replace(/^ansible-playbook\s*/, '')
    .trim();
}

/** Write <work>/inventory.yaml for Ansible from the lab's ovnctl inventory; returns its path. */
export function writeAnsibleInventory(labInventoryPath, work) {
  const inv = parse(readFileSync(labInventoryPath, 'utf8'));
  const group = (role) =>
    Object.fromEntries(
      Object.entries(inv.hosts)
        .filter(([, h]) => h.roles.includes(role))
        .map(([name, h]) => [name, { ansible_host: h.address }]),
    );
  const src = inv.packages.source;
  const out = {
    all: {
      vars: {
        ansible_user: inv.ssh.user,
        ansible_ssh_private_key_file: inv.ssh.privateKey,
        // -F /dev/null: nothing from this machine's ~/.ssh/config; the lab's own known_hosts, checked strictly.
        ansible_ssh_common_args:
          `-F /dev/null -o UserKnownHostsFile=${inv.ssh.knownHosts} ` + '-o StrictHostKeyChecking=yes',
        mirror_url: src.url,
        mirror_suite: src.suite,
        mirror_components: src.components,
        mirror_key_file: src.key,
        k8s_token_file: inv.cluster.k8sToken.file,
        ovnkube_upload: inv.ovnkube.upload,
      },
      children: { masters: { hosts: group('master') }, nodes: { hosts: group('node') } },
    },
  };
  mkdirSync(work, { recursive: true });
  const path = join(work, 'inventory.yaml');
  writeFileSync(path, '# Written by bench/run.mjs from the lab inventory ' + labInventoryPath + '\n' + stringify(out));
  return path;
}

/**
 * One ansible-playbook run (forks = host count). Each lab gets its own ControlPath directory, so
 * masters of an old lab are never reused. Returns {ms, rc, tasks} with per-host task durations.
 */
export async function runAnsible({ inventory, work, forks, label }) {
  const timing = join(work, `${label}.timing.jsonl`);
  rmSync(timing, { force: true });
  const env = {
    ...cleanEnv(),
    ANSIBLE_CONFIG: join(ANSIBLE_DIR, 'ansible.cfg'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir(work),
    ANSIBLE_LOCAL_TEMP: join(work, 'tmp'),
    BENCH_TIMING_FILE: timing,
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const r = await timed(ANSIBLE_PLAYBOOK, ['-i', inventory, '-f', String(forks), PLAYBOOK], {
    env,
    log: join(work, `${label}.log`),
  });
  const tasks = existsSync(timing)
    ? readFileSync(timing, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
  return { ...r, tasks };
}

function controlDir(work) {
  const dir = join(work, 'cp');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Close the ControlPersist masters of a lab's runs (`ssh -O exit` per socket), so none outlives it. */
export function closeControlMasters(work) {
  const dir = join(work, 'cp');
  if (!existsSync(dir)) return;
  for (const sock of readdirSync(dir)) {
    try {
      execFileSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${join(dir, sock)}`, '-O', 'exit', 'x'], {
        env: cleanEnv(),
        stdio: 'ignore',
        timeout: 5000,
      });
    } catch {
      // already gone
    }
  }
}
