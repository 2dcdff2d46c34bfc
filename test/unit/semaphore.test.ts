import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/connection/semaphore.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('Semaphore', () => {
  it('never lets more than `limit` holders in, and records the peak', async () => {
    const sem = new Semaphore(3);
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        sem.use(async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await tick();
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(3);
    expect(sem.peak).toBe(3);
    expect(sem.active).toBe(0);
    expect(sem.waiting).toBe(0);
  });

  it('serves waiters first in, first out', async () => {
    const sem = new Semaphore(1);
    await sem.acquire();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) => sem.acquire().then(() => order.push(n)));
    expect(sem.waiting).toBe(3);
    for (let i = 0; i < 3; i++) {
      sem.release();
      await tick();
    }
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    sem.release();
    expect(sem.active).toBe(0);
  });

  it('releases the slot when the task throws', async () => {
    const sem = new Semaphore(1);
    await expect(sem.use(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(sem.active).toBe(0);
    await sem.use(async () => undefined);
    expect(sem.peak).toBe(1);
  });

  it('rejects bad limits and unbalanced release', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    expect(() => new Semaphore(1).release()).toThrow(/released more times/);
  });
});
