import { defineConfig } from 'vitest/config';

// Three suites: unit (fixtures, no hosts), integration (a real sshd on loopback),
// e2e (the lab: real Debian hosts; needs root, shares one lab across files, so files run in sequence).
export default defineConfig({
  test: {
    projects: [
      // Some unit tests run openssl (keys, requests, certificates): under a loaded machine 5 s is short.
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
