// The secret registry every output path masks with (src/shell/secret.ts): what it refuses, how it masks
// text, values and errors, that a Command's own secrets count too, and that it never shows a value itself.
import { inspect } from 'node:util';
import { stringify } from 'yaml';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { raw, sh } from '../../src/shell/command.js';
import { MASK, MIN_SECRET_LENGTH, Secret, SecretRegistry, shortSecretMessage } from '../../src/shell/secret.js';

const TOKEN = 'tok-3f9a1c77e2b4';
const PASS = 'correct-horse-battery';

const registry = (...values: string[]) =>
  new SecretRegistry(values.map((v, i) => [new Secret(v), `origin ${i}`] as const));

describe('a secret shorter than 8 characters', () => {
  test('is refused by add() with an InputError (exit 5) that names the origin, never the value', () => {
    const r = new SecretRegistry();
    const err = (() => {
      try {
        r.add(new Secret('x~Q7'), 'environment variable KEY_PASS (ssh.passphraseEnv)');
        return undefined;
      } catch (e) {
        return e;
      }
    })() as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.exitCode).toBe(5);
    expect(err.message).toContain('environment variable KEY_PASS (ssh.passphraseEnv)');
    expect(err.message).toContain(`shorter than ${MIN_SECRET_LENGTH} characters`);
    expect(err.message + String(err.stack) + inspect(err)).not.toContain('x~Q7');
    expect(r.size).toBe(0);
    // A refused secret is not half-registered: nothing it contains is masked afterwards.
    expect(r.mask('x~Q7 stays')).toBe('x~Q7 stays');
  });

  test('is refused by the constructor too; exactly 8 characters is accepted', () => {
    expect(() => new SecretRegistry([[new Secret('1234567'), 'cluster.k8sToken']])).toThrow(InputError);
    const seven = () => new SecretRegistry([[new Secret('1234567'), 'cluster.k8sToken']]);
    expect(seven).toThrow(/^cluster\.k8sToken is shorter/);
    const r = new SecretRegistry([[new Secret('12345678'), 'cluster.k8sToken']]);
    expect(r.size).toBe(1);
    expect(r.mask('id 12345678.')).toBe(`id ${MASK}.`);
  });

  test('shortSecretMessage says why, naming only the origin', () => {
    expect(shortSecretMessage('file /etc/tok')).toMatch(/^file \/etc\/tok is shorter than 8 characters: .*garble/);
  });
});

describe('mask()', () => {
  test('masks every occurrence of every registered secret, leaving the rest as it was', () => {
    const r = registry(TOKEN, PASS);
    expect(r.mask(`--k8s-token=${TOKEN} ${TOKEN}\npass=${PASS}`)).toBe(`--k8s-token=${MASK} ${MASK}\npass=${MASK}`);
    expect(r.mask('nothing secret here')).toBe('nothing secret here');
  });

  test('longest first: a secret that contains another is masked whole, not left half shown', () => {
    const inner = 'abcdefgh';
    const outer = `${inner}-ijklmnop`;
    // Registered short one first: a naive in-order replace would leave "-ijklmnop" visible.
    for (const r of [registry(inner, outer), registry(outer, inner)]) {
      expect(r.mask(`a=${outer} b=${inner}`)).toBe(`a=${MASK} b=${MASK}`);
      expect(r.mask(outer)).not.toContain('ijklmnop');
    }
  });

  test('a secret added twice is kept once', () => {
    const r = registry(TOKEN);
    r.add(new Secret(TOKEN), 'again');
    expect(r.size).toBe(1);
  });

  test("a Command's own secrets are masked by mask(text, cmd), alongside the registry's", () => {
    const own = new Secret('per-host-file-content-42');
    const cmd = sh`printf %s ${own} > /etc/ovn/secret && echo ${raw('done')}`;
    expect(cmd.secrets).toHaveLength(1);
    const r = registry(TOKEN);
    const text = `$ ${cmd.script}\n${own.reveal()} ${TOKEN}`;
    expect(r.mask(text)).toContain(own.reveal()); // the registry alone does not know it
    const masked = r.mask(text, cmd);
    expect(masked).not.toContain(own.reveal());
    expect(masked).not.toContain(TOKEN);
    expect(masked).toBe(`$ printf %s ${MASK} > /etc/ovn/secret && echo done\n${MASK} ${MASK}`);
    // ...and only for that call: the registry did not learn it.
    expect(r.size).toBe(1);
    expect(r.mask(own.reveal())).toBe(own.reveal());
  });

  test('several owners, and a plain {secrets} owner, all count', () => {
    const a = sh`use ${new Secret('aaaaaaaa-1')}`;
    const b = { secrets: [new Secret('bbbbbbbb-2')] };
    expect(new SecretRegistry().mask('aaaaaaaa-1 bbbbbbbb-2', a, b)).toBe(`${MASK} ${MASK}`);
  });
});

describe('maskValue()', () => {
  test('masks strings at any depth, and keys, leaving other values and the input untouched', () => {
    const r = registry(TOKEN);
    const value = {
      hosts: { m1: { user: TOKEN, port: 22, ok: true, none: null } },
      [`group-${TOKEN}`]: [`x ${TOKEN} y`, 7, [{ deep: TOKEN }]],
    };
    const before = structuredClone(value);
    const shown = r.maskValue(value);
    expect(shown).toEqual({
      hosts: { m1: { user: MASK, port: 22, ok: true, none: null } },
      [`group-${MASK}`]: [`x ${MASK} y`, 7, [{ deep: MASK }]],
    });
    expect(value).toEqual(before);
    expect(JSON.stringify(shown) + stringify(shown)).not.toContain(TOKEN);
  });

  test('a bare string is masked like mask()', () => {
    expect(registry(TOKEN).maskValue(`t=${TOKEN}`)).toBe(`t=${MASK}`);
  });
});

describe('maskError()', () => {
  test('masks the message and the stack in place and returns the same error', () => {
    const r = registry(TOKEN);
    const e = new InputError(`no host matches --limit ${TOKEN}`);
    expect(e.stack).toContain(TOKEN);
    const out = r.maskError(e);
    expect(out).toBe(e);
    expect(out).toBeInstanceOf(InputError);
    expect(out.exitCode).toBe(5);
    expect(out.message).toBe(`no host matches --limit ${MASK}`);
    expect(out.stack).toContain(MASK);
    expect(out.stack).not.toContain(TOKEN);
  });

  test('never throws: an error whose message is a getter only (DOMException: AbortError, TimeoutError)', () => {
    const r = registry(TOKEN);
    const e = new DOMException(`aborted while sending ${TOKEN}`, 'AbortError');
    // It used to throw a TypeError here: the CLI then said "internal error" instead of the real message.
    const out = r.maskError(e);
    expect(out).toBe(e);
    expect(e.name).toBe('AbortError');
    expect(e.message).toBe(`aborted while sending ${MASK}`);
    expect(String(e) + String(e.stack)).not.toContain(TOKEN);
  });

  test('a frozen error cannot be masked in place: a masked copy of the same class is returned instead', () => {
    const r = registry(TOKEN);
    const e = Object.freeze(new InputError(`failed with ${TOKEN}`));
    const out = r.maskError(e);
    expect(out).toBeInstanceOf(InputError);
    expect(out.exitCode).toBe(5);
    expect(out.message).toBe(`failed with ${MASK}`);
    expect(String(out.stack)).toContain(`failed with ${MASK}`);
    expect(String(out.stack)).not.toContain(TOKEN);
  });

  test('leaves what is not an Error as it is', () => {
    const r = registry(TOKEN);
    expect(r.maskError(undefined)).toBeUndefined();
    const o = { message: 'x' };
    expect(r.maskError(o)).toBe(o);
  });
});

describe('the registry itself never shows a value', () => {
  test('JSON, inspect, String and spreading show masks or a count only', () => {
    const r = registry(TOKEN, PASS);
    expect(JSON.stringify(r)).toBe(JSON.stringify([MASK, MASK]));
    expect(inspect(r)).toBe('SecretRegistry(2 masked)');
    const shown = [JSON.stringify({ r }), inspect({ r }, { depth: 10 }), String(r), JSON.stringify({ ...r })];
    for (const text of [...shown, stringify({ r })]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(PASS);
    }
  });

  test('nor does a Secret', () => {
    const s = new Secret(TOKEN);
    for (const text of [String(s), `${s}`, JSON.stringify({ s }), inspect(s), inspect({ s })]) {
      expect(text).not.toContain(TOKEN);
    }
    expect(s.reveal()).toBe(TOKEN);
  });
});
