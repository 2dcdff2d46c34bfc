// A value that must never be printed, logged or put in an error (the k8s token, key passphrases), and
// the registry of every such value of a run, which every output path masks with.
import { InputError } from '../errors.js';

const MASK = '********';

/**
 * The shortest value accepted as a secret. Masking replaces every occurrence, so a short one garbles
 * every message: with the token `t`, "host key" would print as "hos******** key".
 */
export const MIN_SECRET_LENGTH = 8;

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return MASK;
  }
  toJSON(): string {
    return MASK;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return MASK;
  }
}

/** Anything that carries its own secrets: a Command (its `secrets`), or a plain `{secrets}`. */
export interface HasSecrets {
  readonly secrets: readonly Secret[];
}

/**
 * Every secret of a run, built once from the inventory at load (`inv.secrets`): the k8s token and the
 * passphrases named by `ssh.passphraseEnv`. Whatever ovnctl shows - task messages, --json, --log-file,
 * facts, `ovnctl inventory`, the CLI's error messages - goes through `mask()`.
 *
 * Secrets that become known later register with `add()`, which refuses one shorter than
 * MIN_SECRET_LENGTH: a private key's text once it is read (`inv.secrets.add(new Secret(pem), path)`),
 * or the content of an uploaded secret file (`add(new Secret(content.toString('utf8')), dest)`; a file
 * made per host can instead travel as its Command's own `secrets`, which `mask(text, cmd)` reads).
 */
export class SecretRegistry {
  readonly #secrets: Secret[] = [];

  /** `origin` names where each secret came from; it goes into the error, never the value. */
  constructor(secrets: Iterable<readonly [Secret, string]> = []) {
    for (const [s, origin] of secrets) this.add(s, origin);
  }

  /** Registers a secret; a value shorter than MIN_SECRET_LENGTH is an InputError (exit 5) naming `origin`. */
  add(secret: Secret, origin: string): this {
    if (secret.reveal().length < MIN_SECRET_LENGTH) throw new InputError(shortSecretMessage(origin));
    if (!this.#secrets.some((s) => s.reveal() === secret.reveal())) this.#secrets.push(secret);
    return this;
  }

  get size(): number {
    return this.#secrets.length;
  }

  /** `text` with every registered secret, and those of `owners` (e.g. the Command shown), masked. */
  mask(text: string, ...owners: readonly HasSecrets[]): string {
    const extra = owners.flatMap((o) => o.secrets);
    return maskSecrets(text, extra.length > 0 ? [...this.#secrets, ...extra] : this.#secrets);
  }

  /** Every string in a JSON-like value masked: before YAML/JSON formatting, which may fold or escape. */
  maskValue<T>(value: T): T {
    if (typeof value === 'string') return this.mask(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.maskValue(v)) as T;
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.mask(k), this.maskValue(v)])) as T;
    }
    return value;
  }

  /**
   * Masks an error's message and stack in place (the CLI prints them) and returns it, for `throw`. Never
   * throws: a message with only a getter (DOMException) gets an own one; a frozen error, a masked copy.
   */
  maskError<E>(e: E): E {
    if (!(e instanceof Error)) return e;
    const message = this.mask(e.message);
    const stack = e.stack === undefined ? undefined : this.mask(e.stack);
    if (message === e.message && stack === e.stack) return e;
    if (setOwn(e, 'message', message) && (stack === undefined || setOwn(e, 'stack', stack))) return e;
    // Frozen: a copy of the same class and own fields (an OvnctlError keeps its exit code), masked.
    const copy = Object.assign(Object.create(Object.getPrototypeOf(e) as object) as Error, e);
    setOwn(copy, 'message', message);
    if (stack !== undefined) setOwn(copy, 'stack', stack);
    return copy as E;
  }

  toJSON(): string[] {
    return this.#secrets.map(() => MASK);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SecretRegistry(${this.#secrets.length} masked)`;
  }
}

/** Sets an error's own property (non-enumerable, as Error's are); false when the error is frozen. */
function setOwn(e: Error, key: 'message' | 'stack', value: string): boolean {
  try {
    Object.defineProperty(e, key, { value, writable: true, configurable: true, enumerable: false });
    return (e as unknown as Record<string, unknown>)[key] === value;
  } catch {
    return false;
  }
}

/** Why a value was refused as a secret; names `origin` (a position, an env var), never the value. */
export function shortSecretMessage(origin: string): string {
  return (
    `${origin} is shorter than ${MIN_SECRET_LENGTH} characters: ovnctl masks every occurrence of a secret in ` +
    'what it prints, and one so short would garble every message; use the real value'
  );
}

/** Replace every occurrence of each secret's value in `text` with the mask; longer secrets first. */
export function maskSecrets(text: string, secrets: readonly Secret[]): string {
  // Longest first: a secret that contains another is masked whole, not left half shown.
  const values = [...new Set(secrets.map((s) => s.reveal()))].filter((v) => v.length > 0);
  values.sort((a, b) => b.length - a.length);
  let out = text;
  for (const v of values) out = out.split(v).join(MASK);
  return out;
}

export { MASK };
