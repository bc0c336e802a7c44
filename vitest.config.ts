import { defineConfig } from 'vitest/config';
import {
  BROWSER_TESTS,
  browserRequired,
  browserTierMissingError,
  browserTierOffLine,
  chromiumFound,
} from './test/harness/browser-tier.ts';

// The browser tier runs only where a Chromium is found (test/harness/browser-tier.ts); the global
// setup announces which tiers ran. Where the browser tier is required (CI), its absence fails here.
const browser = chromiumFound();
if (!browser && browserRequired()) throw new Error(browserTierMissingError());
if (!browser) process.stderr.write(browserTierOffLine());

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', ...(browser ? [] : [BROWSER_TESTS])],
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Polls await events (a worker process starting a task, a fold catching up); on a loaded
    // two-core CI machine those can take seconds, not vitest's default of one.
    expect: { poll: { timeout: 15_000 } },
  },
});
