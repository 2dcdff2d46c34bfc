// A real OpenSSH sshd on 127.0.0.1 for integration tests: fresh host key, a client key made for
// the test, its own config and pidfile in a temp dir. Needs root (privilege separation).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  closeSync,
} from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host, SshSettings } from '../../src/inventory/types.js';

export const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  port: number;
  /** The host key as `type base64` (no comment). */
  hostKeyPub: string;
  clientKeyPath: string;
  /** `[127.0.0.1]:port type base64`, ready for a known_hosts file. */
  knownHostsLine: string;
  /** The file sshd reads authorized keys from (for every user). */
  authorizedKeysPath: string;
  dir: string;
  pid: number;
  /** sshd's own log (-e), for diagnosing a failed test. */
  log(): string;
  /** SIGKILL the per-connection sshd processes (and what they run), leaving the listener: "the link died". */
  killSessions(): void;
  stop(): Promise<void>;
}

/** Why integration tests cannot run here, or undefined when they can. As root they never skip. */
export function sshdSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (sshd privilege separation, useradd, sudoers)';
  // Locally a missing sshd skips; in CI it must fail loudly instead of looking green.
  if (process.env.CI !== 'true' && !existsSync(SSHD)) return `needs OpenSSH server at ${SSHD}`;
  return undefined;
}

/** Make a key pair at `path`; returns the public key as `type base64`. */
export function keygen(path: string, opts: { passphrase?: string; comment?: string; type?: string } = {}): string {
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    opts.type ?? 'ed25519',
    '-N',
    opts.passphrase ?? '',
    '-C',
    opts.comment ?? 'ovnctl-test',
    '-f',
    path,
  ]);
  return readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

export async function startSshd(opts: { extraConfig?: string[] } = {}): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'ovnctl-sshd-'));
  chmodSync(dir, 0o755); // sshd reads authorized_keys as the user, who may not be root
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privsep dir; sshd refuses to start without it
  const hostKeyPub = keygen(join(dir, 'ssh_host_ed25519_key'), { comment: 'host' });
  const clientKeyPath = join(dir, 'id_ed25519');
  const authorizedKeysPath = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeysPath, `${keygen(clientKeyPath)}\n`, { mode: 0o644 });

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const config = [
      // sshd keeps the first value it reads for a keyword, so overrides go first.
      ...(opts.extraConfig ?? []),
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'ssh_host_ed25519_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeysPath}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      // PAM sessions (pam_loginuid) fail in containers; without PAM a '*' password is not "locked".
      'UsePAM no',
      'StrictModes no',
      'MaxSessions 10',
      // The accept-new race opens 20 connections at once; the default 10:30:100 drops some.
      'MaxStartups 100',
      // bash sources ~/.bashrc for ssh commands only when SHLVL < 2. This machine's root .bashrc runs
      // `pyenv init`, whose rehash lock, left behind by a session a test kills, stalls every later
      // login for 60 s. The tests are about ovnctl and sshd, not the test machine's dotfiles.
      'SetEnv SHLVL=9',
      'LogLevel VERBOSE',
    ];
    const configPath = join(dir, 'sshd_config');
    writeFileSync(configPath, `${config.join('\n')}\n`);
    const logPath = join(dir, 'sshd.log');
    const logFd = openSync(logPath, 'a');
    const child = spawn(SSHD, ['-D', '-e', '-f', configPath, '-o', `PidFile=${join(dir, 'sshd.pid')}`], {
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    const log = () => readFileSync(logPath, 'utf8');
    try {
      await waitForPort(port, child, 10_000);
    } catch (err) {
      lastError = new Error(`${(err as Error).message}\n--- sshd log ---\n${log()}`);
      await killTree(child);
      if (/Address already in use/.test(log())) continue; // lost the free-port race: try another
      break;
    }
    const pid = child.pid!;
    return {
      port,
      hostKeyPub,
      clientKeyPath,
      knownHostsLine: `[127.0.0.1]:${port} ${hostKeyPub}`,
      authorizedKeysPath,
      dir,
      pid,
      log,
      killSessions: () => {
        for (const p of descendants(pid)) kill(p, 'SIGKILL');
      },
      stop: async () => {
        await killTree(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError ?? new Error('sshd did not start');
}

/** Test Host for this sshd; `ssh` overrides key by key, like the inventory does. */
export function hostFor(
  sshd: TestSshd,
  knownHosts: string,
  over: Partial<Omit<Host, 'ssh'>> & { ssh?: Partial<SshSettings> } = {},
): Host {
  const { ssh, ...rest } = over;
  return {
    name: 'h1',
    address: '127.0.0.1',
    roles: ['node'],
    encapIp: '127.0.0.1',
    become: false,
    groups: ['all', 'nodes'],
    ...rest,
    ssh: {
      user: 'root',
      port: sshd.port,
      privateKey: sshd.clientKeyPath,
      knownHosts,
      hostKeyChecking: 'strict',
      connectTimeoutMs: 5_000,
      commandTimeoutMs: 0,
      keepaliveTimeoutMs: 30_000,
      ...ssh,
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`sshd exited (${child.exitCode ?? child.signalCode})`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Every process below pid, from /proc (sshd's per-connection children call setsid, so no process group). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** The listener and its sessions: SIGTERM to the listener alone leaves sessions running. */
async function killTree(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  const pid = child.pid;
  for (const p of descendants(pid)) kill(p, 'SIGKILL');
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  kill(pid, 'SIGTERM');
  const timer = setTimeout(() => kill(pid, 'SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}
