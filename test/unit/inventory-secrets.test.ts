// The k8s token, from env or file, reaches the model as a Secret and nothing else ever shows it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadInventory } from '../../src/inventory/load.js';
import { describeInventory } from '../../src/inventory/mask.js';
import { Secret } from '../../src/shell/secret.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.sig';
const HOSTS = 'hosts:\n  m1: {address: 10.0.0.10, roles: [master]}\n  n1: {address: 10.0.0.11, roles: [node]}\n';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ovnctl-inv-secret-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** Every way the inventory might be shown: none may contain the token. */
function expectNoToken(inv: Awaited<ReturnType<typeof loadInventory>>): void {
  const view = describeInventory(inv);
  expect(view.cluster.k8sToken).toBe('********');
  for (const text of [JSON.stringify(view), stringify(view), JSON.stringify(inv), inspect(inv, { depth: 10 }), String(inv.cluster.k8sToken)]) {
    expect(text).not.toContain(TOKEN);
  }
}

describe('token from the environment', () => {
  test('is a Secret, shown masked', async () => {
    const file = write('env.yaml', `cluster:\n  k8sToken: {env: MY_TOKEN}\n${HOSTS}`);
    const inv = await loadInventory(file, { env: { MY_TOKEN: TOKEN } });
    expect(inv.cluster.k8sToken).toBeInstanceOf(Secret);
    expect(inv.cluster.k8sToken?.reveal()).toBe(TOKEN);
    expectNoToken(inv);
  });

  test('is not in the error when other parts of the inventory are wrong', async () => {
    const file = write('env-bad.yaml', `cluster:\n  k8sToken: {env: MY_TOKEN}\n  nbPort: 0\n${HOSTS}groups: {g: [zz]}\n`);
    const err = await loadInventory(file, { env: { MY_TOKEN: TOKEN } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(String(err) + inspect(err)).not.toContain(TOKEN);
  });

  test('a token with whitespace is refused without being shown', async () => {
    const file = write('env-ws.yaml', `cluster:\n  k8sToken: {env: MY_TOKEN}\n${HOSTS}`);
    const err = (await loadInventory(file, { env: { MY_TOKEN: `${TOKEN}\nsecond-line` } }).catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.pos).toMatchObject({ line: 2, col: 13 });
    expect(err.message).toMatch(/contains whitespace/);
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).not.toContain('second-line');
  });
});

describe('token from a file', () => {
  test('relative to the inventory, trailing newline trimmed', async () => {
    write('token', `${TOKEN}\n`);
    const file = write('file.yaml', `cluster:\n  k8sToken: {file: token}\n${HOSTS}`);
    const inv = await loadInventory(file, { env: {} });
    expect(inv.cluster.k8sToken?.reveal()).toBe(TOKEN);
    expectNoToken(inv);
  });

  test('CRLF line end trimmed too', async () => {
    write('token-crlf', `${TOKEN}\r\n`);
    const file = write('file-crlf.yaml', `cluster:\n  k8sToken: {file: ./token-crlf}\n${HOSTS}`);
    expect((await loadInventory(file, { env: {} })).cluster.k8sToken?.reveal()).toBe(TOKEN);
  });

  test('an empty token file is an error at the file value', async () => {
    write('token-empty', '\n');
    const file = write('file-empty.yaml', `cluster:\n  k8sToken: {file: ./token-empty}\n${HOSTS}`);
    const err = (await loadInventory(file, { env: {} }).catch((e: unknown) => e)) as InputError;
    expect(err.exitCode).toBe(5);
    expect(err.pos).toMatchObject({ line: 2, col: 20 });
    expect(err.message).toMatch(/is empty/);
  });

  test('a multi-line token file is refused without being shown', async () => {
    write('token-2', `${TOKEN}\n${TOKEN}\n`);
    const file = write('file-2.yaml', `cluster:\n  k8sToken: {file: ./token-2}\n${HOSTS}`);
    const err = (await loadInventory(file, { env: {} }).catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).not.toContain(TOKEN);
  });

  test('the token is not in errors about the rest of the inventory', async () => {
    write('token-ok', TOKEN);
    const file = write('file-bad.yaml', `cluster:\n  k8sToken: {file: ./token-ok}\n${HOSTS}ovnkube: {upload: ./nope}\n`);
    const err = await loadInventory(file, { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(String(err) + inspect(err)).not.toContain(TOKEN);
  });
});

test('without k8sToken there is nothing to mask', async () => {
  const inv = await loadInventory(write('none.yaml', HOSTS), { env: {} });
  expect(inv.cluster.k8sToken).toBeUndefined();
  expect(describeInventory(inv).cluster).not.toHaveProperty('k8sToken');
});

test('describeInventory is plain JSON and detached from the inventory', async () => {
  const inv = await loadInventory(write('plain.yaml', `cluster:\n  k8sToken: {env: T}\n${HOSTS}`), { env: { T: TOKEN } });
  const view = describeInventory(inv);
  expect(JSON.parse(JSON.stringify(view))).toEqual(view);
  expect(Object.keys(view.hosts)).toEqual(['m1', 'n1']);
  expect(view.hosts.n1).toMatchObject({ address: '10.0.0.11', roles: ['node'], groups: ['all', 'nodes'] });
  view.hosts.m1.roles.push('node');
  expect(inv.hosts[0].roles).toEqual(['master']);
});
