// lab up's host counts: up to 9 masters (RAFT clusters are small and odd) and 200 nodes (the bench's
// largest size, issue 17); anything else is refused before anything is made.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { labUp } from '../../src/lab/index.js';

describe('lab up counts', () => {
  it('refuses 10 masters, 201 nodes, no master and a fraction, naming the bounds', async () => {
    const dir = '/nonexistent/ovnctl-lab-counts';
    await expect(labUp({ dir, masters: 10 })).rejects.toThrow(/lab --masters 10: give a whole number from 1 to 9/);
    await expect(labUp({ dir, nodes: 201 })).rejects.toThrow(/lab --nodes 201: give a whole number from 0 to 200/);
    await expect(labUp({ dir, masters: 0 })).rejects.toThrow(InputError);
    await expect(labUp({ dir, nodes: 1.5 })).rejects.toThrow(InputError);
  });
});
