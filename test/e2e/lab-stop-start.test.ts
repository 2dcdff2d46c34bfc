// Stopping and starting one lab host, on a lab of its own (1 master, 2 nodes): a stopped host is a
// machine that lost power — every process of it gone at once, silent on the network, its disk kept —
// and start-host boots it again with the same address, disk and host key, and nothing but its sshd.
// `lab down` after a stop leaves nothing. The tests run in order on the same hosts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { labDown, labStartHost, labStatus, labStopHost, labUp, type Lab } from '../../src/lab/index.js';
import { probeTcp } from '../../src/lab/lab-probe.js';
import { ovnctl } from '../helpers/cli.js';
import {
  alive,
  describeLab,
  labLeftovers,
  NOTHING_LEFT,
  pidNamespace,
  pidsInNamespace,
  sshRun,
} from '../helpers/lab.js';

const LST = { name: 'lstop', dir: '/var/lib/ovnctl/lstop-lab', masters: 1, nodes: 2 };
const where = ['--name', LST.name, '--dir', LST.dir];

/** Pid 1 of a host as this machine sees it (from the lab state), with its pid namespace. */
function hostInit(host: string): { pid: number; unshare: number; ns: string } {
  const state = JSON.parse(readFileSync(join(LST.dir, 'state.json'), 'utf8')) as {
    hosts: { name: string; pid?: number; initPid?: number }[];
  };
  const h = state.hosts.find((x) => x.name === host);
  if (!h?.initPid || !h.pid) throw new Error(`lab host ${host} has no init pid: is it running?`);
  return { pid: h.initPid, unshare: h.pid, ns: pidNamespace(h.initPid) };
}

describeLab('lab stop-host / start-host', () => {
  let lab: Lab;
  let addr: Record<string, string>;
  const on = async (host: string, script: string) => {
    const r = await sshRun(lab.dir, addr[host], script);
    expect(r.code, `${host}: ${script}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const marker = `written before the stop ${process.pid}-${Date.now()}`;
  let macBefore = '';

  beforeAll(async () => {
    await labDown({ dir: LST.dir });
    lab = await labUp(LST);
    addr = Object.fromEntries(lab.hosts.map((h) => [h.name, h.address]));
  });
  afterAll(async () => {
    if (lab) await labDown({ dir: LST.dir });
  });

  it('stop-host: all its processes end at once, it answers nothing, its disk stays; the others run', async () => {
    await on('n1', `mkdir -p /var/lib/ovn && printf '%s\\n' '${marker}' > /var/lib/ovn/marker && sync`);
    await on('n1', 'touch /run/before-stop /tmp/before-stop');
    // A daemon started by hand, and a connection from n2 to n1 that stays open (like RAFT's links).
    await on('n1', 'setsid sleep 100000 </dev/null >/dev/null 2>&1 &');
    await on(
      'n2',
      `setsid bash -c 'exec 3<>/dev/tcp/${addr.n1}/22; head -1 <&3 >/tmp/conn; cat <&3 >/dev/null; ` +
        `echo closed >>/tmp/conn' </dev/null >/dev/null 2>&1 & ` +
        'for i in $(seq 50); do test -s /tmp/conn && break; sleep 0.1; done; cat /tmp/conn',
    );
    macBefore = (await on('n1', 'cat /sys/class/net/eth0/address')).trim();
    const init = hostInit('n1');
    const before = pidsInNamespace(init.ns);
    expect(before.length).toBeGreaterThanOrEqual(4); // tini, sshd, sleep, the session

    const t0 = Date.now();
    const r = await ovnctl(['lab', 'stop-host', 'n1', ...where]);
    console.log(`[lab stop-host] ${Date.now() - t0} ms (CLI included)`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^stopped n1 \\(${addr.n1.replace(/\./g, '\\.')}\\) in \\d+ ms`));

    // No process of its pid namespace is left on this machine; the processes that held it are gone.
    expect(pidsInNamespace(init.ns)).toEqual([]);
    for (const pid of [...before, init.pid, init.unshare]) expect(alive(pid), `pid ${pid}`).toBe(false);
    // Its sshd does not answer, from this machine nor from another host; a connect fails fast.
    expect(await probeTcp(addr.n1, 22, 'SSH-', 5000)).toBe(false);
    const connect = await on(
      'n2',
      `s=$(date +%s%N); timeout 60 bash -c 'exec 3<>/dev/tcp/${addr.n1}/22' 2>&1; ` +
        'echo "rc=$? ms=$(( ($(date +%s%N) - s) / 1000000 ))"',
    );
    const ms = Number(/ms=(\d+)/.exec(connect)?.[1]);
    console.log(`[lab stop-host] a connect from n2 to the stopped n1 failed after ${ms} ms: ${connect.trim()}`);
    expect(connect).toMatch(/No route to host/);
    expect(ms).toBeLessThan(10_000);
    // The peer's open connection saw no FIN or RST: a machine that lost power says nothing.
    const [greeting, ...conns] = (await on('n2', `cat /tmp/conn; ss -Htn state established dst ${addr.n1}`))
      .trim()
      .split('\n');
    expect(greeting).toMatch(/^SSH-2\.0-/);
    expect(conns).toEqual([expect.stringContaining(`${addr.n1}:22`)]);
    // Its disk is kept (the overlay's upper dir, on this machine).
    const upper = join(lab.dir, 'hosts', 'n1', 'upper', 'var', 'lib', 'ovn', 'marker');
    expect(readFileSync(upper, 'utf8').trim()).toBe(marker);

    // The other hosts run on; status says which is stopped.
    for (const h of ['m1', 'n2']) expect((await on(h, 'hostname')).trim()).toBe(h);
    const s = await labStatus({ dir: lab.dir });
    expect(s.hosts.map((h) => [h.name, h.state])).toEqual([
      ['m1', 'running'],
      ['n1', 'stopped'],
      ['n2', 'running'],
    ]);
    expect(s.up).toBe(false);
    const st = await ovnctl(['lab', 'status', ...where]);
    expect(st.stdout).toMatch(/: up, n1 stopped \(ovnctl lab start-host n1 --name lstop/);
    expect(st.stdout).toMatch(/^ {2}n1 .* stopped \(disk kept\)$/m);

    // Idempotent, and a host the lab does not have is an input error.
    const again = await ovnctl(['lab', 'stop-host', 'n1', ...where]);
    expect(again).toMatchObject({ code: 0, stdout: `n1 (${addr.n1}) is already stopped\n` });
    const unknown = await ovnctl(['lab', 'stop-host', 'n9', ...where]);
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toMatch(/no host named n9 \(it has m1, n1, n2\)/);
  });

  it('start-host boots it again: same address, MAC, disk and host key (strict checking); only sshd runs', async () => {
    const t0 = Date.now();
    const r = await labStartHost({ dir: lab.dir, host: 'n1' });
    console.log(`[lab start-host] ${Date.now() - t0} ms, sshd answering`);
    expect(r).toMatchObject({ host: 'n1', address: addr.n1, state: 'running', changed: true });

    // sshRun checks the host key strictly against the lab's known_hosts, unchanged since lab up.
    expect((await on('n1', 'hostname')).trim()).toBe('n1');
    expect((await on('n1', 'cat /var/lib/ovn/marker')).trim()).toBe(marker);
    expect((await on('n1', 'cat /sys/class/net/eth0/address')).trim()).toBe(macBefore);
    expect(await on('n1', 'ip -4 -o addr show dev eth0')).toContain(` ${addr.n1}/24 `);
    // Like a reboot: tini and sshd (and this session's own processes), nothing started before.
    const ps = (await on('n1', 'ps -eo pid=,comm=')).trim().split('\n');
    const comms = ps.map((l) => l.trim().split(/\s+/)[1]);
    expect(comms.filter((c) => !['tini', 'sshd', 'bash', 'sh', 'ps'].includes(c))).toEqual([]);
    expect(ps[0].trim()).toMatch(/^1 tini$/);
    // A fresh /run and /tmp (tmpfs): nothing of the last boot is left there.
    expect(await on('n1', 'ls /run/before-stop /tmp/before-stop 2>&1; true')).toMatch(
      /cannot access '\/run\/before-stop'.*\n.*cannot access '\/tmp\/before-stop'/,
    );
    // It reaches the others and they reach it (their ARP entries for it were forgotten, not wrong).
    await on('n2', `exec 3<>/dev/tcp/${addr.n1}/22 && head -1 <&3`);
    await on('n1', `exec 3<>/dev/tcp/${addr.m1}/22 && head -1 <&3`);

    expect(await labStartHost({ dir: lab.dir, host: 'n1' })).toMatchObject({ changed: false, state: 'running' });
    const again = await ovnctl(['lab', 'start-host', 'n1', ...where]);
    expect(again).toMatchObject({ code: 0, stdout: `n1 (${addr.n1}) is already running\n` });
    const s = await labStatus({ dir: lab.dir });
    expect(s.up).toBe(true);
    expect(s.hosts.every((h) => h.state === 'running')).toBe(true);
  });

  it('two hosts stopped at once both stop; lab down after that leaves nothing', async () => {
    const inits = ['m1', 'n2'].map(hostInit);
    const pids = inits.flatMap((i) => pidsInNamespace(i.ns));
    const stopped = await Promise.all(['m1', 'n2'].map((host) => labStopHost({ dir: lab.dir, host })));
    expect(stopped.map((x) => [x.host, x.changed])).toEqual([
      ['m1', true],
      ['n2', true],
    ]);
    for (const i of inits) expect(pidsInNamespace(i.ns)).toEqual([]);
    expect((await labStatus({ dir: lab.dir })).hosts.map((h) => h.state)).toEqual(['stopped', 'running', 'stopped']);
    const state = JSON.parse(readFileSync(join(lab.dir, 'state.json'), 'utf8')) as {
      resources: { kind: string; pid?: number }[];
      hosts: { pid?: number; initPid?: number }[];
    };
    const all = [
      ...pids,
      ...pidsInNamespace(hostInit('n1').ns),
      ...state.resources.filter((x) => x.kind === 'process').map((x) => x.pid ?? 0),
      ...state.hosts.flatMap((h) => [h.pid ?? 0, h.initPid ?? 0]),
    ].filter((p) => p > 0);
    expect(state.resources.filter((x) => x.kind === 'process')).toHaveLength(2); // n1's host process, the mirror

    const down = await ovnctl(['lab', 'down', ...where]);
    expect(down.code, down.stderr).toBe(0);
    expect(labLeftovers({ name: LST.name, dir: LST.dir, base: LST.dir, pids: all })).toEqual(NOTHING_LEFT);
  });
});
