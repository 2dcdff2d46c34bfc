// The RAFT settings of the inventory (cluster.bootstrapMaster, nbRaftPort, sbRaftPort, electionTimerMs,
// ovnkube.master): defaults, refusals at file:line:col (exit 5), and the even-masters warning.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { evenMastersWarning, inventoryWarnings } from '../../src/inventory/checks.js';
import { loadInventory } from '../../src/inventory/load.js';
import { bootstrapMaster, clustered, ovnkubeMaster, raftEndpoints } from '../../src/ovn/topology.js';
import { remote } from '../../src/ovn/endpoint.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-inv-raft-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOSTS = `hosts:
  m1: {address: 10.0.0.1, roles: [master]}
  m2: {address: 10.0.0.2, roles: [master]}
  m3: {address: 10.0.0.3, roles: [master, node]}
  n1: {address: 10.0.0.11, roles: [node]}
`;

let n = 0;
async function load(text: string) {
  const file = path.join(dir, `inv-${n++}.yaml`);
  writeFileSync(file, text);
  return { file, inv: await loadInventory(file, { env: {} }) };
}

async function refused(text: string): Promise<InputError & { file: string }> {
  const file = path.join(dir, `bad-${n++}.yaml`);
  writeFileSync(file, text);
  try {
    await loadInventory(file, { env: {} });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).exitCode).toBe(5);
    return Object.assign(e as InputError, { file });
  }
  throw new Error('expected the inventory to be refused');
}

describe('defaults', () => {
  test('bootstrap and ovnkube master: the first master; RAFT ports 6643/6644; timer 1000 ms', async () => {
    const { inv } = await load(HOSTS);
    expect(inv.cluster).toMatchObject({
      bootstrapMaster: 'm1',
      nbRaftPort: 6643,
      sbRaftPort: 6644,
      electionTimerMs: 1000,
    });
    expect(inv.ovnkube.master).toBe('m1');
    expect(clustered(inv)).toBe(true);
    expect(bootstrapMaster(inv).name).toBe('m1');
    expect(ovnkubeMaster(inv).name).toBe('m1');
    expect(raftEndpoints(inv, 'sb').map(remote)).toEqual([
      'tcp:10.0.0.1:6644',
      'tcp:10.0.0.2:6644',
      'tcp:10.0.0.3:6644',
    ]);
  });

  test('ovnkube.master follows cluster.bootstrapMaster unless set; RAFT ports from the inventory', async () => {
    const { inv } =
      await load(`cluster: {bootstrapMaster: m2, nbRaftPort: 7643, sbRaftPort: 7644, electionTimerMs: 4000}
${HOSTS}`);
    expect(bootstrapMaster(inv).name).toBe('m2');
    expect(inv.ovnkube.master).toBe('m2');
    expect(raftEndpoints(inv, 'nb').map(remote)[0]).toBe('tcp:10.0.0.1:7643');
    const other = await load(`cluster: {bootstrapMaster: m2}\novnkube: {master: m3}\n${HOSTS}`);
    expect(ovnkubeMaster(other.inv).name).toBe('m3');
  });

  test('one master is not clustered', async () => {
    const { inv } = await load('hosts:\n  m1: {address: 10.0.0.1, roles: [master]}\n');
    expect(clustered(inv)).toBe(false);
  });
});

describe('refused at file:line:col, exit 5', () => {
  test.each([
    [
      'a bootstrap master that is not a master',
      `cluster: {bootstrapMaster: n1}\n${HOSTS}`,
      1,
      28,
      /host 'n1' is not a master/,
    ],
    ['an unknown bootstrap master', `cluster: {bootstrapMaster: m9}\n${HOSTS}`, 1, 28, /names unknown host 'm9'/],
    [
      'an ovnkube master that is not a master',
      `ovnkube:\n  master: n1\n${HOSTS}`,
      2,
      11,
      /ovnkube.master: host 'n1' is not a master/,
    ],
    [
      'a RAFT port equal to a client port',
      `cluster:\n  nbRaftPort: 6642\n${HOSTS}`,
      2,
      15,
      /cluster.nbRaftPort: port 6642 is already cluster.sbPort/,
    ],
    [
      'the two RAFT ports equal',
      `cluster:\n  nbRaftPort: 7000\n  sbRaftPort: 7000\n${HOSTS}`,
      3,
      15,
      /cluster.sbRaftPort: port 7000 is already cluster.nbRaftPort/,
    ],
    [
      'an election timer out of range',
      `cluster:\n  electionTimerMs: 50\n${HOSTS}`,
      2,
      20,
      /from 100 to 600000 milliseconds/,
    ],
  ])('%s', async (_name, text, line, col, detail) => {
    const err = await refused(text);
    expect({ line: err.pos?.line, col: err.pos?.col }).toEqual({ line, col });
    expect(err.message.startsWith(`${err.file}:${line}:${col}: `)).toBe(true);
    expect(err.detail).toMatch(detail);
  });
});

describe('an even number of masters', () => {
  test('is a warning, not an error: 2 and 4 tolerate no more failures than 1 and 3', async () => {
    expect(evenMastersWarning(1)).toBeUndefined();
    expect(evenMastersWarning(3)).toBeUndefined();
    expect(evenMastersWarning(2)).toMatch(
      /^2 masters: the NB\/SB RAFT clusters tolerate 0 failed masters, no more than 1/,
    );
    expect(evenMastersWarning(4)).toMatch(/^4 masters: .* tolerate 1 failed master, no more than 3 masters would/);
    const { inv } = await load(
      'hosts:\n  m1: {address: 10.0.0.1, roles: [master]}\n  m2: {address: 10.0.0.2, roles: [master]}\n',
    );
    expect(inventoryWarnings(inv)).toHaveLength(1);
    expect(inventoryWarnings((await load(HOSTS)).inv)).toEqual([]);
  });
});

describe('from an Ansible inventory', () => {
  test('ovnctl_cluster_* and ovnctl_ovnkube_master map onto the settings; a bad one: exit 5 at its line', async () => {
    const ini = (vars: string) =>
      `[masters]\nm1 ansible_host=10.0.0.1\nm2 ansible_host=10.0.0.2\nm3 ansible_host=10.0.0.3\n\n` +
      `[nodes]\nn1 ansible_host=10.0.0.11\n\n[all:vars]\n${vars}\n`;
    const file = path.join(dir, 'hosts.ini');
    writeFileSync(
      file,
      ini(
        'ovnctl_cluster_bootstrap_master=m2\novnctl_cluster_nb_raft_port=7643\n' +
          'ovnctl_cluster_election_timer_ms=2000\novnctl_ovnkube_master=m3',
      ),
    );
    const inv = await loadInventory(file, { env: {} });
    expect(inv.cluster).toMatchObject({ bootstrapMaster: 'm2', nbRaftPort: 7643, electionTimerMs: 2000 });
    expect(inv.ovnkube.master).toBe('m3');
    const bad = path.join(dir, 'bad.ini');
    writeFileSync(bad, ini('ovnctl_cluster_bootstrap_master=n1'));
    await expect(loadInventory(bad, { env: {} })).rejects.toThrow(
      `${bad}:10:33: cluster.bootstrapMaster: host 'n1' is not a master`,
    );
  });
});
