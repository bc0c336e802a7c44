import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**'],
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Polls await events (a worker process starting a task, a fold catching up); on a loaded
    // two-core CI machine those can take seconds, not vitest's default of one.
    expect: { poll: { timeout: 15_000 } },
  },
});
