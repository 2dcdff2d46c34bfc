// A FIFO counting semaphore. SshConnection uses one to keep exec channels under OpenSSH's
// MaxSessions (10); `peak` lets tests prove the bound held.

export class Semaphore {
  #active = 0;
  #peak = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`semaphore limit must be a positive integer, got ${limit}`);
  }

  /** Holders right now. */
  get active(): number {
    return this.#active;
  }

  /** Most holders at once since construction. */
  get peak(): number {
    return this.#peak;
  }

  /** Callers queued in acquire(). */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves once a slot is held; pair every acquire with exactly one release. */
  acquire(): Promise<void> {
    if (this.#active < this.limit) {
      this.#take();
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.#waiters.push(() => {
        this.#take();
        resolve();
      }),
    );
  }

  release(): void {
    if (this.#active === 0) throw new Error('semaphore released more times than acquired');
    this.#active--;
    // Hand the slot to the oldest waiter, so no caller starves.
    this.#waiters.shift()?.();
  }

  /** Runs fn while holding a slot; the slot is released however fn ends. */
  async use<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  #take(): void {
    this.#active++;
    if (this.#active > this.#peak) this.#peak = this.#active;
  }
}
