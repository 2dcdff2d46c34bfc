// The lab's ovnkube stand-in (src/lab/ovnkube-recorder.sh) run locally with `sh`, a fake ovs-vsctl and
// getent first on PATH, and its record directory in a tmp dir: it parses flags as the 2018 ovnkube
// (urfave/cli v1 over Go's flag) and writes what that binary writes. Then ovnctl's own argument lists go
// through it: every one is accepted, and every flag in them is parsed as a flag (none after a positional).
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Host, Inventory } from '../../src/inventory/types.js';
import {
  parseRecorderLog,
  parseRejectedLog,
  RECORDER_DIR_ENV,
  recorderScriptPath,
} from '../../src/lab/ovnkube-recorder.js';
import { type Arg, ovnkubeArgs, ovnkubeRole, revealArg } from '../../src/operations/ovnkube-flags.js';
import { guideInventory, host, threeMasterInventory } from '../helpers/inventory.js';

const SCRIPT = recorderScriptPath();
const scratch = mkdtempSync(join(tmpdir(), 'ovnkube-standin-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The 2018 set (SPEC "ovnkube: what the real binary does"). */
const STRINGS = [
  'cluster-subnet',
  'service-cluster-ip-range',
  'init-master',
  'init-node',
  'remove-node',
  'pidfile',
  'gateway-interface',
  'gateway-nexthop',
  'config-file',
  'encap-type',
  'encap-ip',
  'logfile',
  'cni-conf-dir',
  'cni-plugin',
  'win-hnsnetwork-id',
  'k8s-kubeconfig',
  'k8s-apiserver',
  'k8s-cacert',
  'k8s-token',
  ...['nb', 'sb'].flatMap((db) => [
    `${db}-address`,
    ...['server', 'client'].flatMap((w) => [`${db}-${w}-privkey`, `${db}-${w}-cert`, `${db}-${w}-cacert`]),
  ]),
];
const BOOLS = ['net-controller', 'init-gateways', 'gateway-spare-interface', 'nodeport', 'ha'];
const INTS = ['mtu', 'conntrack-zone', 'loglevel'];
/** Flags that make it write or check files: left out where a test only looks at parsing. */
const ACTING = new Set(['init-master', 'init-node', 'remove-node', 'pidfile', 'config-file']);

const FAKE_OVS_VSCTL = `#!/bin/sh
{ for a in "$@"; do printf '%s\\n' "$a"; done; echo ----; } >> "$FAKE_DIR/ovs-vsctl.log"
[ -z "$FAKE_OVS_FAIL" ] || { echo "ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed" >&2
  exit 1; }
`;
/** getent ahostsv4 as glibc prints it; n1 first resolves to Debian's 127.0.1.1 line, as on a real host. */
const FAKE_GETENT = `#!/bin/sh
echo "$*" >> "$FAKE_DIR/getent.log"
case $2 in
  n1) printf '127.0.1.1       STREAM n1\\n127.0.1.1       DGRAM  \\n'
      printf '10.0.0.11       STREAM \\n10.0.0.11       DGRAM  \\n' ;;
  m1) printf '10.0.0.10       STREAM m1\\n10.0.0.10       DGRAM  \\n' ;;
  *) exit 2 ;;
esac
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Still running when looked at (then stopped with SIGTERM; code is its exit code after that). */
  ran: boolean;
  dir: string;
  /** What the fake ovs-vsctl was called with: one argv per call. */
  vsctl: string[][];
  getent: string[];
}

let runs = 0;
/** Start the stand-in; once it runs (its argv recorded) or exits, stop it and report. */
async function standin(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const dir = join(scratch, `run-${++runs}`);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'ovs-vsctl'), FAKE_OVS_VSCTL);
  writeFileSync(join(bin, 'getent'), FAKE_GETENT);
  chmodSync(join(bin, 'ovs-vsctl'), 0o755);
  chmodSync(join(bin, 'getent'), 0o755);
  const child = spawn('sh', [SCRIPT, ...args], {
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_DIR: dir,
      [RECORDER_DIR_ENV]: join(dir, 'rec'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Its output, once its pipes close (a child it left behind holding them must not hang the test).
  const closed = new Promise((resolve) => child.on('close', resolve));
  const ran = await runningOrExited(child, join(dir, 'rec', 'argv.log'), exited);
  if (ran) child.kill('SIGTERM');
  const code = await exited;
  await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
  const vsctlLog = existsSync(join(dir, 'ovs-vsctl.log')) ? readFileSync(join(dir, 'ovs-vsctl.log'), 'utf8') : '';
  const vsctl = vsctlLog
    .split('----\n')
    .filter(Boolean)
    .map((c) => c.split('\n').filter(Boolean));
  const getent = existsSync(join(dir, 'getent.log'))
    ? readFileSync(join(dir, 'getent.log'), 'utf8').split('\n').filter(Boolean)
    : [];
  return { code, stdout, stderr, ran, dir, vsctl, getent };
}

async function runningOrExited(child: ChildProcess, argvLog: string, exited: Promise<unknown>): Promise<boolean> {
  let done = false;
  void exited.then(() => {
    done = true;
  });
  for (let i = 0; i < 200; i++) {
    if (existsSync(argvLog) && readFileSync(argvLog, 'utf8').includes(`---- pid=${child.pid}\n`)) return true;
    if (done) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the stand-in neither ran nor exited within 5 s: ${child.spawnargs.join(' ')}`);
}

const recorded = (r: Run) =>
  parseRecorderLog(
    existsSync(join(r.dir, 'rec', 'argv.log')) ? readFileSync(join(r.dir, 'rec', 'argv.log'), 'utf8') : '',
  );
const rejected = (r: Run) =>
  parseRejectedLog(
    existsSync(join(r.dir, 'rec', 'rejected.log')) ? readFileSync(join(r.dir, 'rec', 'rejected.log'), 'utf8') : '',
  );

/** Refused as urfave/cli refuses: usage on stdout, logrus' fatal line on stderr, exit 1, nothing written. */
function expectRefused(r: Run, error: string): void {
  expect(r.ran, r.stderr).toBe(false);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(new RegExp(`^Incorrect Usage\\. ${reEscape(error)}\\n\\n`));
  expect(r.stderr).toContain(`level=fatal msg="${error.replaceAll('"', '\\"')}"`);
  expect(r.vsctl).toEqual([]);
  expect(recorded(r)).toEqual([]);
  expect(rejected(r).map((s) => [s.exitCode, s.error])).toEqual([[1, error]]);
}
const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A sentinel after the list: refused by name only if every argument before it was parsed as a flag. */
const SENTINEL = '-no-such-flag-sentinel';
async function expectAllParsedAsFlags(args: string[], env: Record<string, string> = {}): Promise<void> {
  const r = await standin([...args, SENTINEL], env);
  expectRefused(r, `flag provided but not defined: ${SENTINEL}`);
}

describe('the ovnkube stand-in parses flags as the 2018 ovnkube (urfave/cli v1 over Go flag)', () => {
  it('every flag of the set, in each form ovnctl or a user may write', async () => {
    const quiet = STRINGS.filter((f) => !ACTING.has(f));
    // The one value it checks: the API server's URL scheme.
    const v = (f: string, value: string) => (f === 'k8s-apiserver' ? 'https://10.0.0.10:6443' : value);
    const forms: string[][] = [
      quiet.map((f) => `-${f}=${v(f, `v-${f}`)}`),
      quiet.flatMap((f) => [`-${f}`, v(f, `v ${f}`)]),
      quiet.map((f) => `--${f}=${v(f, 'v')}`),
      quiet.flatMap((f) => [`--${f}`, v(f, '-looks-like-a-flag')]), // a string flag's value may start with -
      BOOLS.map((f) => `-${f}`),
      BOOLS.map((f) => `--${f}`),
      BOOLS.flatMap((f, i) => [
        `-${f}=${['true', 'false', '1', '0', 't'][i]}`,
        `--${f}=${['f', 'T', 'F', 'TRUE', 'FALSE'][i]}`,
        `-${f}=${['True', 'False', 'true', 'false', 'True'][i]}`,
      ]),
      INTS.map((f) => `-${f}=1400`),
      INTS.flatMap((f) => [`-${f}`, '0']),
      INTS.flatMap((f, i) => [`--${f}`, ['-1', '+64000', '0x7fffffffffffffff'][i]]),
      INTS.map((f, i) => `-${f}=${['010', '0X1F', '-9223372036854775808'][i]}`),
    ];
    for (const args of forms) {
      const r = await standin(args);
      expect(r.ran, `${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(true);
      expect(recorded(r).map((s) => s.argv)).toEqual([args]);
      expect(r.code).toBe(1); // SIGTERM: the real one exits 1 from its signal handler
      await expectAllParsedAsFlags(args);
    }
  }, 180_000);

  it('an undefined flag: exit 1 with Go’s message, in either spelling', async () => {
    expectRefused(
      await standin(['-nodeport', '-gateway-localnet']),
      'flag provided but not defined: -gateway-localnet',
    );
    expectRefused(await standin(['--inactivity-probe=5']), 'flag provided but not defined: -inactivity-probe');
    expectRefused(await standin(['-Nodeport']), 'flag provided but not defined: -Nodeport');
    expectRefused(await standin(['---nodeport']), 'bad flag syntax: ---nodeport');
  });

  it('`-nodeport false`: nodeport stays true, `false` is an argument, every flag after it is ignored', async () => {
    const r = await standin(['-nodeport', 'false', '-init-node=n1', '-no-such-flag', '-mtu=abc']);
    expect(r.ran, r.stderr).toBe(true);
    expect(r.vsctl).toEqual([]); // -init-node was never parsed
    expect(recorded(r)[0].argv).toEqual(['-nodeport', 'false', '-init-node=n1', '-no-such-flag', '-mtu=abc']);
    // The same after any positional argument, and after `--`.
    for (const stop of ['x', '--', '-']) {
      const s = await standin(['-loglevel=4', stop, '-init-master=m1', '-bogus']);
      expect(s.ran, s.stderr).toBe(true);
      expect(s.vsctl).toEqual([]);
    }
  });

  it('bool values other than strconv.ParseBool’s, int values that are not Go integers: exit 1', async () => {
    for (const v of ['yes', 'no', 'on', '', 'tRUE', '2']) {
      expectRefused(
        await standin([`-nodeport=${v}`]),
        `invalid boolean value "${v}" for -nodeport: strconv.ParseBool: parsing "${v}": invalid syntax`,
      );
    }
    expectRefused(
      await standin(['-mtu=abc']),
      'invalid value "abc" for flag -mtu: strconv.ParseInt: parsing "abc": invalid syntax',
    );
    for (const v of ['', '1.5', '08', '0x', '1_000', '0b1', ' 1', '+']) {
      expectRefused(
        await standin(['-mtu', v]),
        `invalid value "${v}" for flag -mtu: strconv.ParseInt: parsing "${v}": invalid syntax`,
      );
    }
    for (const v of ['9223372036854775808', '-9223372036854775809', '0x8000000000000000', '99999999999999999999']) {
      expectRefused(
        await standin([`-loglevel=${v}`]),
        `invalid value "${v}" for flag -loglevel: strconv.ParseInt: parsing "${v}": value out of range`,
      );
    }
    expectRefused(await standin(['-nodeport', '-mtu']), 'flag needs an argument: -mtu');
  }, 120_000);

  it('-h, -help, -v, -version and the help command answer and exit 0, as urfave/cli does', async () => {
    for (const args of [['-h'], ['--help'], ['-nodeport', 'help']]) {
      const r = await standin(args);
      expect([r.ran, r.code], args.join(' ')).toEqual([false, 0]);
      expect(r.stdout).toContain('ovnkube - run ovnkube');
    }
    for (const args of [['-v'], ['--version']]) {
      const r = await standin(args);
      expect([r.ran, r.code, r.stdout]).toEqual([false, 0, 'ovnkube version 0.3.0\n']);
    }
  });
});

describe('the ovnkube stand-in writes the local Open_vSwitch external_ids as -init-master/-init-node do', () => {
  const encap = (type: string, ip: string) => [
    '--timeout=5',
    'set',
    'Open_vSwitch',
    '.',
    `external_ids:ovn-encap-type=${type}`,
    `external_ids:ovn-encap-ip=${ip}`,
  ];

  it('-init-master: encap type and ip from the flags; nothing of Kubernetes, no CNI config', async () => {
    const cni = join(scratch, 'cni-master');
    const r = await standin([
      '-init-master=m1',
      '-encap-type=vxlan',
      '-encap-ip=192.168.50.10',
      `-cni-conf-dir=${cni}`,
      '-k8s-token=t',
    ]);
    expect(r.ran, r.stderr).toBe(true);
    expect(r.vsctl).toEqual([encap('vxlan', '192.168.50.10')]);
    expect(r.getent).toEqual([]);
    expect(existsSync(cni)).toBe(false);
  });

  it('-init-node: also k8s-api-server, k8s-api-token, k8s-ca-certificate, then the CNI config', async () => {
    const cni = join(scratch, 'cni-node');
    const r = await standin([
      '-init-node=n1',
      '-encap-ip=192.168.50.11',
      '-k8s-apiserver=https://10.0.0.10:6443',
      '-k8s-token=s3cr3t',
      '-k8s-cacert=/etc/k8s/ca.crt',
      `-cni-conf-dir=${cni}`,
    ]);
    expect(r.ran, r.stderr).toBe(true);
    expect(r.vsctl).toEqual([
      [
        ...encap('geneve', '192.168.50.11'),
        'external_ids:k8s-api-server="https://10.0.0.10:6443"',
        'external_ids:k8s-api-token="s3cr3t"',
        'external_ids:k8s-ca-certificate="/etc/k8s/ca.crt"',
      ],
    ]);
    expect(readFileSync(join(cni, '10-ovn-kubernetes.conf'), 'utf8')).toBe(
      '{"cniVersion":"0.3.1","name":"ovn-kubernetes","type":"ovn-k8s-cni-overlay","ipam":{},"dns":{}}',
    );
  });

  it('-init-node without -k8s-apiserver/-k8s-cacert: the defaults, written all the same', async () => {
    const cni = join(scratch, 'cni-defaults');
    const r = await standin(['-init-node', 'n1', '-encap-ip', '10.1.1.1', '-k8s-token', 't', '-cni-conf-dir', cni]);
    expect(r.ran, r.stderr).toBe(true);
    expect(r.vsctl[0].slice(6)).toEqual([
      'external_ids:k8s-api-server="http://localhost:8080"',
      'external_ids:k8s-api-token="t"',
      'external_ids:k8s-ca-certificate=""',
    ]);
  });

  it('no -encap-ip: the first non-loopback IPv4 address the name resolves to', async () => {
    const r = await standin(['-init-master=m1']);
    expect(r.ran, r.stderr).toBe(true);
    expect(r.getent).toEqual(['ahostsv4 m1']);
    expect(r.vsctl).toEqual([encap('geneve', '10.0.0.10')]);
    const n = await standin(['-init-node=n1', '-k8s-token=t', `-cni-conf-dir=${join(scratch, 'cni-n1')}`]);
    expect(n.ran, n.stderr).toBe(true);
    expect(n.vsctl[0].slice(0, 6)).toEqual(encap('geneve', '10.0.0.11')); // not Debian's 127.0.1.1
  });

  it('a name that does not resolve: the real one panics (exit 2); nothing written; rejected.log has it', async () => {
    const r = await standin(['-init-node=n9', '-k8s-token=s3cr3t-t0ken']);
    expect([r.ran, r.code]).toEqual([false, 2]);
    const error =
      'failed to obtain local IP from hostname "n9": Failed to lookup IP address for node n9: lookup n9: no such host';
    expect(r.stderr).toContain(`panic: ${error}\n`);
    expect(r.vsctl).toEqual([]);
    expect(recorded(r)).toEqual([]);
    expect(rejected(r)).toEqual([
      { pid: expect.any(Number), argv: ['-init-node=n9', '-k8s-token=********'], exitCode: 2, error },
    ]);
    expect(readFileSync(join(r.dir, 'rec', 'rejected.log'), 'utf8')).not.toContain('s3cr3t-t0ken');
  });

  it('node-only keys only with -init-node; no token on a node, bad -encap-ip, ovs-vsctl failing: exit 2', async () => {
    const m = await standin(['-init-master=m1', '-k8s-token=t', '-k8s-apiserver=http://x:8080']);
    expect(m.vsctl).toHaveLength(1);
    expect(m.vsctl[0].join(' ')).not.toMatch(/k8s-/);
    const noToken = await standin(['-init-node=n1', '-encap-ip=10.0.0.11']);
    expect([noToken.ran, noToken.code, noToken.vsctl]).toEqual([false, 2, []]);
    expect(noToken.stderr).toContain("panic: Cannot initialize node without service account 'token'.");
    const badIp = await standin(['-init-master=m1', '-encap-ip=10.0.0.300']);
    expect([badIp.ran, badIp.code, badIp.vsctl]).toEqual([false, 2, []]);
    expect(badIp.stderr).toContain('panic: invalid encapsulation IP provided "10.0.0.300"');
    const failing = await standin(['-init-master=m1', '-encap-ip=10.0.0.10'], { FAKE_OVS_FAIL: '1' });
    expect([failing.ran, failing.code]).toEqual([false, 2]);
    expect(failing.stderr).toContain('panic: error setting OVS external IDs: exit status 1');
    expect(rejected(failing)[0].error).toMatch(/database connection failed/);
  }, 60_000);

  it('-pidfile: written while it runs, removed on SIGTERM; a live one refuses a second start', async () => {
    const pidfile = join(scratch, 'ovnkube.pid');
    const r = await standin([`-pidfile=${pidfile}`]);
    expect(r.ran).toBe(true);
    expect(existsSync(pidfile)).toBe(false);
    writeFileSync(pidfile, String(process.pid));
    const second = await standin([`-pidfile=${pidfile}`]);
    expect([second.ran, second.code]).toEqual([false, 1]);
    expect(second.stderr).toContain(`pidfile ${pidfile} exists and ovnkube is running`);
  });
});

describe('ovnctl’s ovnkube argument lists go through the 2018 parser', () => {
  const TLS = { enabled: true, caDir: '/tmp/pki', renewDays: 30 };
  const masterNode = (over: Partial<Inventory> = {}) => {
    const base = guideInventory(over);
    return guideInventory({
      ...over,
      hosts: [host('m1', '10.0.0.10', ['master', 'node'], { encapIp: '192.168.50.10' }), ...base.hosts.slice(1)],
      groups: { all: ['m1', 'n1', 'n2'], masters: ['m1'], nodes: ['m1', 'n1', 'n2'] },
    });
  };
  const cases: [string, Inventory][] = [
    ['the guide', guideInventory()],
    ['the guide, vxlan', guideInventory({ cluster: { ...guideInventory().cluster, encapType: 'vxlan' } })],
    ['the guide with TLS', guideInventory({ tls: TLS })],
    ['a master that is also a node', masterNode()],
    ['a master that is also a node, TLS', masterNode({ tls: TLS })],
    ['three masters', threeMasterInventory()],
    ['three masters, TLS', threeMasterInventory({ tls: TLS })],
    ['every optional ovnkube input (CA, gateway flags, -mtu from the underlay)', withEverything(masterNode())],
  ];
  // With issue 16's inputs: -k8s-cacert, the gateway flags, -mtu (also from the underlay's MTU, a fact).
  function withEverything(inv: Inventory): Inventory {
    return {
      ...inv,
      cluster: { ...inv.cluster, k8sCacert: { file: '/tmp/ca.crt' } } as Inventory['cluster'],
      ovnkube: {
        ...inv.ovnkube,
        gateway: { interface: 'eth1', nexthop: '10.0.0.1', spareInterface: true },
      } as Inventory['ovnkube'],
    };
  }
  const argsOf = (h: Host, inv: Inventory) =>
    (ovnkubeArgs as (h: Host, inv: Inventory, inputs?: { underlayMtu?: number }) => Arg[])(h, inv, {
      underlayMtu: 1500,
    }).map(revealArg);
  for (const [name, inv] of cases) {
    it(`${name}: every host's list is accepted, all flags, and the stand-in writes ovnctl's encap values`, async () => {
      for (const h of inv.hosts) {
        const role = ovnkubeRole(h, inv);
        if (role === 'none') continue;
        const args = argsOf(h, inv);
        if (inv.ovnkube.gateway && h.roles.includes('node')) {
          // The case is worth something only if those flags are there (in the forms Go parses).
          for (const f of [
            /^-mtu=\d+$/,
            /^-gateway-interface=eth1$/,
            /^-gateway-spare-interface$/,
            /^-k8s-cacert=\//,
          ]) {
            expect(
              args.some((a) => f.test(a)),
              `${f} in ${args.join(' ')}`,
            ).toBe(true);
          }
        }
        const cni = join(scratch, `cni-${++runs}`);
        const r = await standin(args, { OVNKUBE_STANDIN_CNI_DIR: cni });
        expect(r.ran, `${h.name}: ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(true);
        expect(recorded(r).map((s) => s.argv)).toEqual([args]);
        // What it set is what ovnctl sets: encap type and this host's encapIp, for each of its roles.
        const wanted = ['--timeout=5', 'set', 'Open_vSwitch', '.'];
        wanted.push(`external_ids:ovn-encap-type=${inv.cluster.encapType}`, `external_ids:ovn-encap-ip=${h.encapIp}`);
        for (const call of r.vsctl) expect(call.slice(0, 6)).toEqual(wanted);
        expect(r.vsctl).toHaveLength((role === 'master' ? 1 : 0) + (h.roles.includes('node') ? 1 : 0));
        expect(r.getent).toEqual([]);
        expect(existsSync(join(cni, '10-ovn-kubernetes.conf'))).toBe(h.roles.includes('node'));
        await expectAllParsedAsFlags(args);
      }
    }, 120_000);
  }
});
