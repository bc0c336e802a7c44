import { defineConfig } from 'vitest/config';
import {
  BROWSER_TESTS,
  browserRequired,
  browserTierMissingError,
  browserTierOffLine,
  chromiumFound,
} from './test/harness/browser-tier.ts';
import {
  ENGINE_TESTS,
  engineFound,
  engineRequired,
  engineTierMissingError,
  engineTierOffLine,
} from './test/harness/engine-tier.ts';

// The browser tier runs only where a Chromium is found (test/harness/browser-tier.ts); the global
// setup announces which tiers ran. Where the browser tier is required (CI), its absence fails here.
const browser = chromiumFound();
if (!browser && browserRequired()) throw new Error(browserTierMissingError());
if (!browser) process.stderr.write(browserTierOffLine());
// The container tier likewise runs only where a container engine is found (engine-tier.ts).
const engine = engineFound();
if (!engine && engineRequired()) throw new Error(engineTierMissingError('no engine found'));
if (!engine) process.stderr.write(engineTierOffLine());

/** The global setup starts the nats-server the int and e2e tiers share, and tells the tiers. */
const SERVER = ['test/harness/global-setup.ts'];

// Tests by tier in the file name: `*.unit.test.ts` (pure, no server: `npm run test:unit`),
// `*.int.test.ts` (a real nats-server from the global setup, or their own), `*.e2e.test.ts`
// (the CLI, examples, browser, packages). `npm test` runs all three.
export default defineConfig({
  test: {
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Polls await events (a worker process starting a task, a fold catching up); on a loaded
    // two-core CI machine those can take seconds, not vitest's default of one.
    expect: { poll: { timeout: 15_000 } },
    projects: [
      {
        extends: true,
        // Pure tests share nothing but modules: one module cache per thread, not one per file
        // (the tier takes a third of the time).
        test: { name: 'unit', include: ['**/*.unit.test.ts'], isolate: false, pool: 'threads' },
      },
      {
        extends: true,
        test: { name: 'int', include: ['**/*.int.test.ts'], globalSetup: SERVER },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['**/*.e2e.test.ts'],
          exclude: [
            'node_modules/**',
            'dist/**',
            ...(browser ? [] : [BROWSER_TESTS]),
            ...(engine ? [] : [ENGINE_TESTS]),
          ],
          globalSetup: engine ? [...SERVER, 'test/harness/engine-setup.ts'] : SERVER,
        },
      },
    ],
  },
});
