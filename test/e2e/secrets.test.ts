// Secrets and host keys on a lab of its own. A distinctive k8s token and key passphrase go through
// install, --json, -v, --diff, --check, --log-file, facts, inventory, verify and failing runs: neither
// appears in any stdout, stderr or log. On the hosts the token is only in the root-owned 0600
// /etc/ovnctl/ovnkube.args (and, by the guide's -k8s-token flag, in the ovnkube process's argv).
// Host keys: a changed key is refused before any command, with both fingerprints and the fix; an
// unknown one too under strict; accept-new records it once; nothing ever prompts without a TTY.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { fingerprint } from '../../src/connection/known-hosts.js';
import { labDown, labUp, type Lab } from '../../src/lab/index.js';
import { ovnctl, parseEvents, type CliResult } from '../helpers/cli.js';
import { describeLab, sshRun } from '../helpers/lab.js';

const SEC = { name: 'sec', dir: '/var/lib/ovnctl/sec-lab', masters: 1, nodes: 2 };
const STEP_MS = 240_000;
const tokenNamed = (what: string) => `ovnctl-${what}-${randomBytes(12).toString('hex')}`;

describeLab('secrets and host keys on a lab of its own', () => {
  let lab: Lab;
  /** Files of the test (inventory variants, keys, logs): not in the lab's dir, which lab down removes. */
  let scratch: string;
  let addr: Record<string, string>;
  const secrets: string[] = [];
  const outputs: { what: string; text: string }[] = [];
  const passphrase = tokenNamed('passphrase');
  let token = tokenNamed('token');
  const env = () => ({ OVNCTL_SEC_TOKEN: token, OVNCTL_SEC_PASSPHRASE: passphrase });
  let inventory: string;
  let logFile: string;

  /** Run the CLI; keep everything it printed for the final grep. */
  const cli = async (what: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> => {
    const r = await ovnctl(args, { env: { ...env(), ...extraEnv }, timeoutMs: STEP_MS });
    outputs.push({ what: `${what} stdout`, text: r.stdout }, { what: `${what} stderr`, text: r.stderr });
    return r;
  };
  const on = async (host: string, script: string) => {
    const r = await sshRun(lab.dir, addr[host], script);
    expect(r.code, `${host}: ${script}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const writeInventory = (
    name: string,
    change: (inv: Record<string, Record<string, unknown>>) => void = () => undefined,
  ) => {
    const inv = parse(readFileSync(inventory, 'utf8'));
    change(inv);
    const file = join(scratch, `inventory-${name}.yaml`);
    writeFileSync(file, stringify(inv));
    return file;
  };
  const knownHostsLines = () => readFileSync(join(lab.dir, 'known_hosts'), 'utf8').split('\n').filter(Boolean);
  const acceptedLogins = (host: string) =>
    (readFileSync(join(lab.dir, 'hosts', host, 'console.log'), 'utf8').match(/^Accepted publickey for /gm) ?? [])
      .length;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'ovnctl-sec-'));
    await labDown({ dir: SEC.dir });
    lab = await labUp(SEC);
    addr = Object.fromEntries(lab.hosts.map((h) => [h.name, h.address]));
    // The lab's key, encrypted with the passphrase; the token from the environment.
    const key = join(scratch, 'id_encrypted');
    copyFileSync(join(lab.dir, 'id_ed25519'), key);
    execFileSync('ssh-keygen', ['-q', '-p', '-N', passphrase, '-f', key]);
    inventory = join(scratch, 'inventory-secrets.yaml');
    const inv = parse(readFileSync(lab.inventory, 'utf8'));
    inv.ssh = { ...inv.ssh, privateKey: key, passphraseEnv: 'OVNCTL_SEC_PASSPHRASE' };
    inv.cluster = { ...inv.cluster, k8sToken: { env: 'OVNCTL_SEC_TOKEN' } };
    writeFileSync(inventory, stringify(inv));
    logFile = join(scratch, 'ovnctl.log');
    secrets.push(passphrase, token);
  });
  afterAll(async () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    if (lab) await labDown({ dir: SEC.dir });
  });

  it(
    'install, -v --diff --log-file, --json, a token change, --check and a rerun ' +
      'print neither the token nor the passphrase',
    async () => {
      const first = await cli('install -v --diff --log-file', [
        'install',
        '-i',
        inventory,
        '-v',
        '--diff',
        '--log-file',
        logFile,
      ]);
      expect(first.code, first.stderr + first.stdout).toBe(0);
      // The places the token would show are there, masked: the test would see a leak.
      expect(first.stdout).toMatch(/^\s+\+ \/usr\/local\/bin\/ovnkube .*-k8s-token=\*{8}/m);
      expect(readFileSync(logFile, 'utf8')).toMatch(/# secret content/);

      token = tokenNamed('token-2');
      secrets.push(token);
      const check = await cli('install --check --diff (new token)', [
        'install',
        '-i',
        inventory,
        '--check',
        '--diff',
        '--json',
      ]);
      expect(check.code, check.stderr).toBe(0);
      expect(parseEvents(check.stdout).recap.hosts.n1.changed).toBeGreaterThan(0);
      const changed = await cli('install --json -v --diff --log-file (new token)', [
        'install',
        '-i',
        inventory,
        '--json',
        '-v',
        '--diff',
        '--log-file',
        logFile,
      ]);
      expect(changed.code, changed.stderr).toBe(0);
      const restarts = parseEvents(changed.stdout).tasks.filter(
        (t) => t.task === 'Run ovnkube (node)' && t.status === 'changed',
      );
      expect(restarts.map((t) => t.host).sort()).toEqual(['n1', 'n2']);
      const rerun = await cli('install (no change)', ['install', '-i', inventory]);
      expect(rerun.code, rerun.stderr).toBe(0);
    },
    STEP_MS * 2,
  );

  it(
    'facts, inventory and verify (YAML and --json) mask it',
    async () => {
      for (const args of [
        ['facts'],
        ['facts', '--json'],
        ['inventory'],
        ['inventory', '--json'],
        ['verify'],
        ['verify', '--json', '-v'],
      ]) {
        const r = await cli(args.join(' '), [...args, '-i', inventory]);
        if (args[0] !== 'verify') expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      }
      const inv = JSON.parse(outputs.find((o) => o.what === 'inventory --json stdout')!.text);
      expect(inv.cluster.k8sToken).toBe('********');
    },
    STEP_MS,
  );

  it(
    "a failing run's messages mask it too (the upload of the argv file fails on n1)",
    async () => {
      token = tokenNamed('token-3');
      secrets.push(token);
      await on('n1', 'rm -rf /etc/ovnctl && touch /etc/ovnctl');
      try {
        const r = await cli('failing install -v --diff --log-file', [
          'install',
          '-i',
          inventory,
          '-v',
          '--diff',
          '--log-file',
          logFile,
        ]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stdout).toMatch(
          /^failed: \[n1\] Run ovnkube \(node\) .*exit 1: mkdir -p \/etc\/ovnctl .*# secret content\n.*File exists/m,
        );
        const json = await cli('failing install --json', ['install', '-i', inventory, '--json']);
        expect(parseEvents(json.stdout).tasks.find((t) => t.host === 'n1' && t.status === 'failed')!.msg).toMatch(
          /# secret content/,
        );
      } finally {
        await on('n1', 'rm -f /etc/ovnctl');
      }
      const fixed = await cli('install after the fix', ['install', '-i', inventory]);
      expect(fixed.code, fixed.stderr).toBe(0);
    },
    STEP_MS * 2,
  );

  it(
    'a wrong passphrase fails clearly, naming neither passphrase',
    async () => {
      const wrong = tokenNamed('wrong-passphrase');
      secrets.push(wrong);
      const r = await cli('wrong passphrase', ['install', '-i', inventory, '--json'], { OVNCTL_SEC_PASSPHRASE: wrong });
      expect(r.code).toBe(4);
      for (const t of parseEvents(r.stdout).tasks)
        expect(t.msg).toMatch(/wrong passphrase for private key .*id_encrypted/);
    },
    STEP_MS,
  );

  it('no output and no log holds the token or a passphrase', () => {
    outputs.push({ what: 'log file', text: readFileSync(logFile, 'utf8') });
    expect(outputs.length).toBeGreaterThan(20);
    for (const { what, text } of outputs)
      for (const s of secrets) expect(text.includes(s), `${what} holds ${s}`).toBe(false);
    // the log is the full story (commands and their output), just masked: the argv file's upload is there
    expect(readFileSync(logFile, 'utf8')).toMatch(
      /^\$ mkdir -p \/etc\/ovnctl && .* \/etc\/ovnctl\/ovnkube\.args {2}# secret content$/m,
    );
  });

  it(
    'on the hosts the token is only in /etc/ovnctl/ovnkube.args (root, 0600) and the ovnkube argv',
    async () => {
      for (const h of ['n1', 'n2']) {
        expect(await on(h, 'stat -c "%a %U %G" /etc/ovnctl/ovnkube.args')).toBe('600 root root\n');
        expect(await on(h, 'cat /etc/ovnctl/ovnkube.args')).toContain(`-k8s-token=${token}\n`);
        // Files holding it anywhere on the host but /proc and /sys: ovnkube -init-node writes it into the
        // Open_vSwitch database (external_ids:k8s-api-token, as the real one does; uninstall removes it);
        // the lab's ovnkube stand-in records its argv in its own log (a real ovnkube does not).
        const files = await on(
          h,
          `grep -rlF -e ${token} / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev 2>/dev/null; true`,
        );
        expect(files.split('\n').filter(Boolean).sort()).toEqual([
          '/etc/ovnctl/ovnkube.args',
          '/var/lib/openvswitch/conf.db',
          '/var/log/ovnkube-recorder/argv.log',
        ]);
        const argv = await on(h, 'tr "\\0" "\\n" < /proc/$(cat /var/run/ovnkube.pid)/cmdline');
        expect(argv).toContain(`-k8s-token=${token}\n`);
        // the launcher reads the file; nothing in the unit/launcher holds the token itself
        expect(await on(h, 'cat /usr/local/lib/ovnctl/ovnkube-launch')).not.toContain(token);
      }
      // Masters get no -k8s-token flag: the token is not on them at all.
      expect(
        await on(
          'm1',
          `grep -rlF -e ${token} / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev 2>/dev/null; true`,
        ),
      ).toBe('');
    },
    STEP_MS,
  );

  it(
    'a changed host key is refused before any command, with both fingerprints and the known_hosts line to fix',
    async () => {
      const lines = knownHostsLines();
      const n1Line = lines.findIndex((l) => l.startsWith(`${addr.n1} `));
      const realKey = Buffer.from(lines[n1Line].split(' ')[2], 'base64');
      // Another key for n1's address, as after a reinstall (or an impostor).
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(scratch, 'other_host_key')]);
      const other = readFileSync(join(scratch, 'other_host_key.pub'), 'utf8').trim().split(' ');
      const kh = join(scratch, 'known_hosts_changed');
      writeFileSync(
        kh,
        lines.map((l, i) => (i === n1Line ? `${addr.n1} ${other[0]} ${other[1]}` : l)).join('\n') + '\n',
      );
      const inv = writeInventory('changed-key', (i) => (i.ssh.knownHosts = kh));
      const logins = acceptedLogins('n1');

      const r = await cli('changed host key', ['install', '-i', inv, '--json']);
      expect(r.code, r.stderr).toBe(4);
      const { recap, tasks } = parseEvents(r.stdout);
      expect(recap.hosts.n1).toEqual({ ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 1 });
      for (const h of ['m1', 'n2']) expect(recap.hosts[h]).toMatchObject({ failed: 0, unreachable: 0 });
      const msg = tasks.find((t) => t.host === 'n1')!.msg;
      expect(msg).toContain(`host key for n1 (${addr.n1}) has CHANGED`);
      expect(msg).toContain(`presented ssh-ed25519 ${fingerprint(realKey)}`);
      expect(msg).toContain(`known ssh-ed25519 ${fingerprint(Buffer.from(other[1], 'base64'))} at ${kh}:${n1Line + 1}`);
      expect(msg).toContain(`ssh-keygen -f ${kh} -R ${addr.n1}`);
      // refused during the key exchange: n1's sshd never saw a login
      expect(acceptedLogins('n1')).toBe(logins);
      expect(readFileSync(kh, 'utf8')).toContain(other[1]); // and the file is left alone
    },
    STEP_MS,
  );

  it(
    'strict refuses an unknown key with the keyscan hint; accept-new records it exactly once',
    async () => {
      const withoutN2 = knownHostsLines().filter((l) => !l.startsWith(`${addr.n2} `));
      const kh = join(scratch, 'known_hosts_new');
      writeFileSync(kh, withoutN2.join('\n') + '\n');
      const strict = await cli('unknown host key', [
        'install',
        '-i',
        writeInventory('unknown-key', (i) => (i.ssh.knownHosts = kh)),
        '--json',
      ]);
      expect(strict.code).toBe(4);
      expect(parseEvents(strict.stdout).tasks.find((t) => t.host === 'n2')!.msg).toContain(
        `is unknown: ssh-ed25519 SHA256:`,
      );
      expect(parseEvents(strict.stdout).tasks.find((t) => t.host === 'n2')!.msg).toContain(
        `ssh-keyscan ${addr.n2} >> ${kh}`,
      );

      const acceptNew = writeInventory('accept-new', (i) =>
        Object.assign(i.ssh, { knownHosts: kh, hostKeyChecking: 'accept-new' }),
      );
      for (let i = 0; i < 2; i++) {
        const r = await cli(`accept-new run ${i + 1}`, ['install', '-i', acceptNew]);
        expect(r.code, r.stderr).toBe(0);
      }
      const n2Lines = readFileSync(kh, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith(`${addr.n2} `));
      expect(n2Lines).toEqual([knownHostsLines().find((l) => l.startsWith(`${addr.n2} `))]);
    },
    STEP_MS,
  );

  it(
    'an encrypted key without ssh.passphraseEnv and stdin not a TTY: a clear error at once, never a prompt',
    async () => {
      const inv = writeInventory('no-passphrase-env', (i) => delete i.ssh.passphraseEnv);
      // execFile gives the child a pipe as stdin: not a terminal, as in CI. A prompt would wait for
      // input until the 60 s bound kills the run, and the exit code would not be 4.
      const r = await ovnctl(['install', '-i', inv, '--json'], { env: env(), timeoutMs: 60_000 });
      outputs.push(
        { what: 'encrypted key, no TTY stdout', text: r.stdout },
        { what: 'encrypted key, no TTY stderr', text: r.stderr },
      );
      expect(r.code).toBe(4);
      expect(r.stderr).not.toMatch(/Enter passphrase/);
      const tasks = parseEvents(r.stdout).tasks;
      expect(tasks.map((t) => t.status)).toEqual(['unreachable', 'unreachable', 'unreachable']);
      for (const t of tasks) expect(t.msg).toMatch(/is encrypted and stdin is not a terminal: set ssh\.passphraseEnv/);
    },
    STEP_MS,
  );
});
