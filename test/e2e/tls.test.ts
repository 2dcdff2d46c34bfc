// TLS for every OVN connection, on a lab of its own (3 masters, 2 nodes, fresh hosts), as an operator
// would check it: a running plaintext cluster turns TLS on keeping its chassis and switches; plaintext
// clients and clients of another CA are refused; a node cannot delete another node's chassis (RBAC);
// a rerun changes nothing; an expiring certificate and one of a stray CA are reissued by the next install;
// TLS goes off and on again; three masters run RAFT over ssl; the CA key is found on no host; uninstall
// takes the host's key and certificates. The tests run in order on the same hosts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { labDown, labUp, type Lab } from '../../src/lab/index.js';
import { ovnctl, parseEvents } from '../helpers/cli.js';
import { describeLab, sshRun } from '../helpers/lab.js';

const LAB = { name: 'tls', dir: '/var/lib/ovnctl/tls-lab', masters: 3, nodes: 2 };
const STEP_MS = 180_000;
const KEY = '/etc/ovn/ovnctl-privkey.pem';
const CERT = '/etc/ovn/ovnctl-cert.pem';
const CA = '/etc/ovn/ovnctl-cacert.pem';
const REQ = '/etc/ovn/ovnctl-req.pem';
const TLS_ARGS = `-p ${KEY} -c ${CERT} -C ${CA}`;

describeLab('TLS for every OVN connection (a lab of its own)', () => {
  let lab: Lab;
  let scratch: string;
  let pki: string;
  let addr: Record<string, string>;
  let plainOne: string;
  let tlsOne: string;
  let tlsThree: string;
  const on = async (host: string, script: string) => {
    const r = await sshRun(lab.dir, addr[host], script);
    expect(r.code, `${host}: ${script}\n${r.stdout}${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const tryOn = (host: string, script: string) => sshRun(lab.dir, addr[host], script);
  const run = (cmd: string, inventory: string, ...args: string[]) =>
    ovnctl([cmd, '-i', inventory, '--json', ...args], { timeoutMs: STEP_MS });
  const ok = async (cmd: string, inventory: string, ...args: string[]) => {
    const r = await run(cmd, inventory, ...args);
    expect(r.code, `${cmd}: ${r.stderr}${r.stdout.slice(-4000)}`).toBe(0);
    return r;
  };
  const changed = (stdout: string) =>
    parseEvents(stdout)
      .tasks.filter((t) => t.status === 'changed')
      .map((t) => `${t.host} ${t.task}`);
  const inventory = (name: string, drop: string[], tls: boolean) => {
    const inv = parse(readFileSync(lab.inventory, 'utf8'));
    for (const h of drop) delete inv.hosts[h];
    if (tls) inv.tls = { enabled: true, caDir: pki };
    const file = join(scratch, `${name}.yaml`);
    writeFileSync(file, stringify(inv));
    return file;
  };
  const m1 = () => addr.m1;
  /** The chassis names, asked on the first master's own SB server. */
  const chassis = async () =>
    (await on('m1', 'ovn-sbctl --no-leader-only --timeout=10 --bare --columns=name list Chassis'))
      .split(/\s+/)
      .filter(Boolean)
      .sort();
  /** Bounded: a daemon that reconnects after a change takes a moment. */
  const eventually = async (what: string, cond: () => Promise<boolean>, ms = 20_000) => {
    const start = Date.now();
    while (!(await cond())) {
      if (Date.now() - start > ms) throw new Error(`not within ${ms} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const bothChassis = () =>
    eventually('chassis n1 and n2 registered', async () => (await chassis()).join(',') === 'n1,n2');
  /** Signs `req` (PEM) with a CA's files for `days`: what an operator would do with openssl. */
  const signLocally = (caCert: string, caKey: string, req: string, days: number) => {
    const r = join(scratch, 'req.pem');
    writeFileSync(r, req);
    return execFileSync('openssl', [
      'x509',
      '-req',
      '-in',
      r,
      '-CA',
      caCert,
      '-CAkey',
      caKey,
      '-days',
      String(days),
      '-set_serial',
      String(Date.now()),
    ]).toString();
  };
  const upload = (host: string, dest: string, content: string) =>
    sshRun(lab.dir, addr[host], `cat > ${dest} && touch ${KEY}`, content);

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'ovnctl-tls-'));
    pki = join(scratch, 'pki');
    await labDown({ dir: LAB.dir });
    lab = await labUp(LAB);
    addr = Object.fromEntries(lab.hosts.map((h) => [h.name, h.address]));
    plainOne = inventory('plain-one', ['m2', 'm3'], false);
    tlsOne = inventory('tls-one', ['m2', 'm3'], true);
    tlsThree = inventory('tls-three', [], true);
  });
  afterAll(async () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    if (lab && process.env.OVNCTL_E2E_KEEP_LAB !== '1') await labDown({ dir: LAB.dir });
  });

  it('plaintext → TLS keeps chassis and switches; plaintext and foreign clients are refused', async () => {
    await ok('install', plainOne);
    await on('m1', 'ovn-nbctl --timeout=10 ls-add keep-me');
    await bothChassis();
    const on1 = await ok('install', tlsOne);
    expect(changed(on1.stdout)).toEqual(
      expect.arrayContaining(['m1 Start the NB/SB databases and ovn-northd (ovn-ctl start_northd)']),
    );
    // The CA was made on this machine, its key private.
    expect(readFileSync(join(pki, 'cacert.pem'), 'utf8')).toMatch(/BEGIN CERTIFICATE/);
    expect(
      execFileSync('stat', ['-c', '%a', join(pki, 'private', 'cakey.pem')])
        .toString()
        .trim(),
    ).toBe('600');
    await bothChassis();
    expect(await on('n1', `ovn-nbctl ${TLS_ARGS} --db=ssl:${m1()}:6641 --timeout=10 ls-list`)).toMatch(/keep-me/);
    expect(await on('m1', 'ovn-sbctl --timeout=10 get-connection')).toMatch(/role="ovn-controller" pssl:6642/);
    // A plaintext client: the server speaks TLS only.
    const plain = await tryOn('n1', `ovsdb-client --timeout=5 list-dbs tcp:${m1()}:6641`);
    expect(plain.code).not.toBe(0);
    // A client with a certificate of another CA: refused by the server.
    const stray = join(scratch, 'stray');
    execFileSync('sh', [
      '-c',
      `mkdir -p ${stray} && cd ${stray} && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 ` +
        '-nodes -subj /CN=stray-ca -keyout ca.key -out ca.pem -days 30 2>/dev/null && ' +
        'openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=n1 ' +
        '-keyout k.pem -out r.pem 2>/dev/null && openssl x509 -req -in r.pem -CA ca.pem -CAkey ca.key ' +
        '-set_serial 7 -days 30 -out c.pem 2>/dev/null',
    ]);
    await on('n1', 'mkdir -p /tmp/stray');
    for (const f of ['k.pem', 'c.pem'])
      await sshRun(lab.dir, addr.n1, `cat > /tmp/stray/${f}`, readFileSync(join(stray, f), 'utf8'));
    const foreign = await tryOn(
      'n1',
      `ovsdb-client --timeout=5 -p /tmp/stray/k.pem -c /tmp/stray/c.pem -C ${CA} list-dbs ssl:${m1()}:6641`,
    );
    expect(foreign.code).not.toBe(0);
    expect(foreign.stdout + foreign.stderr).not.toMatch(/OVN_Northbound/);
  });

  it("RBAC: a node cannot delete another node's chassis", async () => {
    const r = await tryOn('n1', `ovn-sbctl ${TLS_ARGS} --db=ssl:${m1()}:6642 --timeout=10 chassis-del n2`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/RBAC rules for client \\?"n1\\?" role \\?"ovn-controller\\?" prohibit/);
    expect(await chassis()).toEqual(['n1', 'n2']);
  });

  it("a rerun with TLS changes nothing; verify shows each host's days left; smoke passes over TLS", async () => {
    const again = await ok('install', tlsOne);
    expect(changed(again.stdout)).toEqual([]);
    const verify = await ok('verify', tlsOne, '--smoke');
    const certs = parseEvents(verify.stdout).tasks.filter((t) => t.task.startsWith('Certificate signed by the CA'));
    expect(certs.map((t) => t.host).sort()).toEqual(['m1', 'n1', 'n2']);
    for (const t of certs) expect(t.msg).toMatch(new RegExp(`^CN=${t.host}, 36[45] days left`));
  });

  it('an expiring certificate and one of a stray CA: verify fails, install reissues them', async () => {
    const ours = [join(pki, 'cacert.pem'), join(pki, 'private', 'cakey.pem')] as const;
    const stray = [join(scratch, 'stray', 'ca.pem'), join(scratch, 'stray', 'ca.key')] as const;
    await upload('n1', CERT, signLocally(...ours, await on('n1', `cat ${REQ}`), 3));
    await upload('n2', CERT, signLocally(...stray, await on('n2', `cat ${REQ}`), 300));
    const bad = await run('verify', tlsOne);
    expect(bad.code).toBe(2);
    const failed = parseEvents(bad.stdout).tasks.filter((t) => t.status === 'failed');
    expect(failed.find((t) => t.host === 'n1')?.msg).toMatch(/expires in 2 days/);
    expect(failed.find((t) => t.host === 'n2')?.msg).toMatch(/signed by another CA/);
    const fix = await ok('install', tlsOne);
    const issued = parseEvents(fix.stdout).tasks.filter((t) => t.task === "Sign and upload the host's certificate");
    expect(issued.find((t) => t.host === 'n1')?.msg).toMatch(/issue a certificate for CN=n1 \(expires in 2 days\)/);
    expect(issued.find((t) => t.host === 'n2')?.msg).toMatch(/issue a certificate for CN=n2 \(signed by another CA\)/);
    await ok('verify', tlsOne);
    await bothChassis();
  });

  it('TLS off again: plaintext, the switch and the chassis kept; then on again', async () => {
    await ok('install', plainOne);
    expect(await on('n1', `ovn-nbctl --db=tcp:${m1()}:6641 --timeout=10 ls-list`)).toMatch(/keep-me/);
    expect(await on('n1', 'ovs-vsctl get-ssl')).toBe('');
    await bothChassis();
    await ok('install', tlsOne);
    await bothChassis();
  });

  it('three masters: RAFT over ssl; ovn-northd through its own listener; a rerun changes nothing', async () => {
    await ok('install', tlsThree);
    for (const m of ['m1', 'm2', 'm3']) {
      const st = await on(m, 'ovs-appctl --timeout=5 -t /var/run/ovn/ovnsb_db.ctl cluster/status OVN_Southbound');
      expect(st).toMatch(new RegExp(`^Address: ssl:${addr[m].replace(/\./g, '\\.')}:6644$`, 'm'));
      expect(st.split('Servers:')[1].match(/ at ssl:/g)).toHaveLength(3);
    }
    expect(await on('m2', 'ovn-sbctl --no-leader-only --timeout=10 get-connection')).toMatch(/role="" pssl:16642/);
    expect(await on('m2', 'tr "\\0" "\\n" < /proc/$(cat /var/run/ovn/ovn-northd.pid)/cmdline')).toMatch(
      new RegExp(`^--ovnsb-db=ssl:${addr.m1}:16642,ssl:${addr.m2}:16642,ssl:${addr.m3}:16642$`, 'm'),
    );
    await bothChassis();
    // Any member answers a read (a follower too), over TLS, from a node.
    expect(
      await on('n2', `ovn-nbctl ${TLS_ARGS} --db=ssl:${addr.m3}:6641 --no-leader-only --timeout=10 ls-list`),
    ).toMatch(/keep-me/);
    const again = await ok('install', tlsThree);
    expect(changed(again.stdout)).toEqual([]);
    await ok('verify', tlsThree, '--smoke');
  });

  it('three masters turn TLS off and on: members move in turn, the clusters keep their id and data', async () => {
    const cid = async () => {
      const ids = await Promise.all(
        ['m1', 'm2', 'm3'].map((m) =>
          on(m, 'ovs-appctl --timeout=5 -t /var/run/ovn/ovnnb_db.ctl cluster/status OVN_Northbound'),
        ),
      );
      return [...new Set(ids.map((s) => /^Cluster ID: .*\((.*)\)$/m.exec(s)?.[1]))];
    };
    const before = await cid();
    expect(before).toHaveLength(1);
    const plainThree = inventory('plain-three', [], false);
    const off = await ok('install', plainThree);
    const moved = parseEvents(off.stdout).tasks.filter((t) => /RAFT member to plain TCP/.test(t.msg));
    expect(moved.map((t) => t.host).sort()).toEqual(['m1', 'm2', 'm3']);
    // The servers kept the TLS files while members were still at ssl:; the next run restarts them without.
    await ok('install', plainThree);
    expect(changed((await ok('install', plainThree)).stdout)).toEqual([]);
    expect(await on('m3', 'ovs-appctl --timeout=5 -t /var/run/ovn/ovnnb_db.ctl cluster/status OVN_Northbound')).toMatch(
      new RegExp(`^Address: tcp:${addr.m3.replace(/\./g, '\\.')}:6643$`, 'm'),
    );
    await ok('install', tlsThree);
    expect(await cid()).toEqual(before);
    expect(await on('m2', 'ovn-nbctl --no-leader-only --timeout=10 ls-list')).toMatch(/keep-me/);
    await bothChassis();
    expect(changed((await ok('install', tlsThree)).stdout)).toEqual([]);
    await ok('verify', tlsThree, '--smoke');
  });

  it('the CA key is on no host and in no output; uninstall of a node takes its key and certificates', async () => {
    const caKey = readFileSync(join(pki, 'private', 'cakey.pem'), 'utf8');
    const line = caKey.split('\n')[1];
    expect(line.length).toBeGreaterThan(40);
    for (const h of Object.keys(addr)) {
      const r = await tryOn(h, `grep -rlF -- '${line}' /etc /root /var/lib /var/log /tmp /usr/local 2>/dev/null`);
      expect(r.stdout, `${h} holds the CA key`).toBe('');
    }
    const gone = await ok('uninstall', tlsThree, '--limit', 'n2');
    expect(gone.stdout).not.toContain(line);
    expect(await on('n2', `ls ${KEY} ${CERT} ${CA} ${REQ} 2>/dev/null; true`)).toBe('');
    expect(await on('n1', `ls ${KEY}`)).toMatch(/ovnctl-privkey/);
  });
});
