import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration suites mostly wait on Docker, git and nginx: run more of them than there are cores.
    poolOptions: { forks: { minForks: 1, maxForks: 4 } },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Some unit tests spawn bash or generate RSA keys: seconds on a busy machine, not a hang.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Prepares the images suites share once: the busybox test base and the buildpack stack.
          globalSetup: ['test/integration/global-setup.ts'],
          // Suites start their own daemons with their own PAAS_HOME and ports, so files run in
          // parallel; tests inside one file share its daemon and run in order.
          pool: 'forks',
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
