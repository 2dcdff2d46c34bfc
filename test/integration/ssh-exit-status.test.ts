// Regression: a fast command's exit status arrives in the same tick as its channel. It used to be lost
// now and then ("ended without an exit status"), failing random tasks of real runs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnection } from '../../src/connection/ssh.js';
import { hostFor, sshdSkipReason, startSshd, type TestSshd } from '../helpers/sshd.js';

const skip = sshdSkipReason();

describe.skipIf(skip !== undefined)(
  skip ? `exit statuses (skipped: ${skip})` : 'exit statuses of fast commands',
  () => {
    let sshd: TestSshd;
    let conn: SshConnection;
    beforeAll(async () => {
      sshd = await startSshd();
      const knownHosts = join(sshd.dir, 'known_hosts');
      writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
      conn = new SshConnection(hostFor(sshd, knownHosts));
      await conn.connect();
    });
    afterAll(async () => {
      await conn?.close();
      await sshd?.stop();
    });

    it('are never lost: 200 fast commands, 8 at a time, all report their exit code', async () => {
      const codes: (number | null)[] = [];
      for (let round = 0; round < 25; round++) {
        const batch = await Promise.all(Array.from({ length: 8 }, (_, i) => conn.exec(`exit ${(round + i) % 3}`)));
        codes.push(...batch.map((r) => r.exitCode));
      }
      expect(codes.filter((c) => c === null)).toHaveLength(0);
      expect(codes.slice(0, 8)).toEqual([0, 1, 2, 0, 1, 2, 0, 1]);
    }, 300_000); // ~90 ms per exec here (root's .bashrc), far more on a loaded machine
  },
);
