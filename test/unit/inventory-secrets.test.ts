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
  for (const text of [
    JSON.stringify(view),
    stringify(view),
    JSON.stringify(inv),
    inspect(inv, { depth: 10 }),
    String(inv.cluster.k8sToken),
  ]) {
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
    const file = write(
      'env-bad.yaml',
      `cluster:\n  k8sToken: {env: MY_TOKEN}\n  nbPort: 0\n${HOSTS}groups: {g: [zz]}\n`,
    );
    const err = await loadInventory(file, { env: { MY_TOKEN: TOKEN } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(String(err) + inspect(err)).not.toContain(TOKEN);
  });

  test('a token with whitespace is refused without being shown', async () => {
    const file = write('env-ws.yaml', `cluster:\n  k8sToken: {env: MY_TOKEN}\n${HOSTS}`);
    const err = (await loadInventory(file, { env: { MY_TOKEN: `${TOKEN}\nsecond-line` } }).catch(
      (e: unknown) => e,
    )) as InputError;
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
    const file = write(
      'file-bad.yaml',
      `cluster:\n  k8sToken: {file: ./token-ok}\n${HOSTS}ovnkube: {upload: ./nope}\n`,
    );
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
  const inv = await loadInventory(write('plain.yaml', `cluster:\n  k8sToken: {env: T}\n${HOSTS}`), {
    env: { T: TOKEN },
  });
  const view = describeInventory(inv);
  expect(JSON.parse(JSON.stringify(view))).toEqual(view);
  expect(Object.keys(view.hosts)).toEqual(['m1', 'n1']);
  expect(view.hosts.n1).toMatchObject({ address: '10.0.0.11', roles: ['node'], groups: ['all', 'nodes'] });
  view.hosts.m1.roles.push('node');
  expect(inv.hosts[0].roles).toEqual(['master']);
});

/** The InputError a load ends with (or fails the test when there is none). */
async function loadError(file: string, env: NodeJS.ProcessEnv): Promise<InputError> {
  const err = await loadInventory(file, { env }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

// A value unlikely to occur by chance in a message (a path, a variable name): "~" and "%".
const SHORT = 'x~%';

describe('a secret shorter than 8 characters is refused at load (exit 5), at its key, never shown', () => {
  test('a token from the environment', async () => {
    const file = write('short-env.yaml', `cluster:\n  k8sToken: {env: MY_TOKEN}\n${HOSTS}`);
    const err = await loadError(file, { MY_TOKEN: SHORT });
    expect(err.exitCode).toBe(5);
    expect(err.pos).toMatchObject({ file, line: 2, col: 3 });
    expect(err.message.startsWith(`${file}:2:3: cluster.k8sToken: `)).toBe(true);
    expect(err.message).toMatch(/environment variable MY_TOKEN is shorter than 8 characters/);
    expect(err.message + String(err.stack) + inspect(err)).not.toContain(SHORT);
  });

  test('a token from a file', async () => {
    const tokenFile = write('token-short', `${SHORT}\n`);
    const yaml = `# a comment line\ncluster:\n  nbPort: 6641\n  k8sToken: {file: ./token-short}\n${HOSTS}`;
    const file = write('short-file.yaml', yaml);
    const err = await loadError(file, {});
    expect(err.exitCode).toBe(5);
    expect(err.pos).toMatchObject({ file, line: 4, col: 3 });
    const where = `${file}:4:3: cluster.k8sToken: the token from file ${tokenFile} is shorter`;
    expect(err.message.startsWith(where), err.message).toBe(true);
    expect(err.message + String(err.stack) + inspect(err)).not.toContain(SHORT);
  });

  test('7 characters is refused, 8 accepted', async () => {
    const file = write('seven.yaml', `cluster:\n  k8sToken: {env: T}\n${HOSTS}`);
    expect((await loadError(file, { T: '1234567' })).message).toMatch(/shorter than 8/);
    const inv = await loadInventory(file, { env: { T: '12345678' } });
    expect(inv.secrets.mask('t=12345678')).toBe('t=********');
  });

  test('a passphrase in the variable named by ssh.passphraseEnv', async () => {
    const file = write('short-pass.yaml', `ssh: {user: admin, passphraseEnv: KEY_PASS}\n${HOSTS}`);
    const err = await loadError(file, { KEY_PASS: SHORT });
    expect(err.exitCode).toBe(5);
    expect(err.pos).toMatchObject({ file, line: 1, col: 20 });
    expect(err.message.startsWith(`${file}:1:20: ssh.passphraseEnv: `)).toBe(true);
    expect(err.message).toMatch(/environment variable KEY_PASS is shorter than 8 characters/);
    expect(err.message + String(err.stack) + inspect(err)).not.toContain(SHORT);
  });

  test("a host's own ssh.passphraseEnv is reported at that host's key", async () => {
    const hosts =
      'hosts:\n  m1: {address: 10.0.0.10, roles: [master]}\n' +
      '  n1:\n    address: 10.0.0.11\n    roles: [node]\n    ssh:\n      passphraseEnv: N1_PASS\n';
    const file = write('short-host-pass.yaml', hosts);
    const err = await loadError(file, { N1_PASS: SHORT });
    expect(err.pos).toMatchObject({ file, line: 7, col: 7 });
    expect(err.message).toMatch(/N1_PASS is shorter than 8/);
    expect(err.message).not.toContain(SHORT);
  });

  test('an unset passphrase variable is not an error at load (the key may be unencrypted)', async () => {
    const file = write('unset-pass.yaml', `ssh: {passphraseEnv: KEY_PASS}\n${HOSTS}`);
    expect((await loadInventory(file, { env: {} })).secrets.size).toBe(0);
  });
});

describe('inv.secrets', () => {
  const PASS = 'horse-battery-staple-9';

  test('holds the token and a passphrase of the right length, and masks both', async () => {
    const file = write('both.yaml', `cluster:\n  k8sToken: {env: T}\nssh: {passphraseEnv: KEY_PASS}\n${HOSTS}`);
    const inv = await loadInventory(file, { env: { T: TOKEN, KEY_PASS: PASS } });
    expect(inv.secrets.size).toBe(2);
    expect(inv.secrets.mask(`key ${PASS} token ${TOKEN}`)).toBe('key ******** token ********');
    for (const text of [JSON.stringify(inv), inspect(inv, { depth: 10 }), stringify(describeInventory(inv))]) {
      expect(text).not.toContain(PASS);
      expect(text).not.toContain(TOKEN);
    }
  });

  test("a passphrase only a host's own ssh names is registered too", async () => {
    const hosts =
      'hosts:\n  m1: {address: 10.0.0.10, roles: [master], ssh: {passphraseEnv: M1_PASS}}\n' +
      '  n1: {address: 10.0.0.11, roles: [node]}\n';
    const inv = await loadInventory(write('host-pass.yaml', hosts), { env: { M1_PASS: PASS } });
    expect(inv.secrets.mask(PASS)).toBe('********');
  });

  test('the inventory view masks the token wherever else its value appears (a value, a key)', async () => {
    const value = 'Tok3nValue-in-two-places';
    const hosts =
      `hosts:\n  m1: {address: 10.0.0.10, roles: [master], ssh: {user: ${value}}}\n` +
      `  n1: {address: 10.0.0.11, roles: [node]}\ngroups:\n  ${value}: [n1]\n`;
    const file = write('token-elsewhere.yaml', `cluster:\n  k8sToken: {env: T}\n${hosts}`);
    const inv = await loadInventory(file, { env: { T: value } });
    const view = describeInventory(inv);
    expect(view.hosts.m1.ssh.user).toBe('********');
    expect(Object.keys(view.groups)).toContain('********');
    expect(JSON.stringify(view) + stringify(view)).not.toContain(value);
  });
});
