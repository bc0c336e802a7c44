import { accessSync, constants, statSync } from 'node:fs';

/**
 * The browser tier: test files named `*.browser.e2e.test.ts` drive a real Chromium through
 * playwright-core (no browser download). They run only when a Chromium executable is found at
 * `FLEET_CHROMIUM` (default Debian's `/usr/bin/chromium`); otherwise vitest.config.ts leaves them
 * out of the run and the global setup says so loudly. `FLEET_REQUIRE_BROWSER=1` (set by
 * `.ci/run`) turns a missing Chromium into a failed run instead.
 */
export const BROWSER_TESTS = '**/*.browser.e2e.test.ts';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Where the browser tests look for Chromium: `FLEET_CHROMIUM`, else Debian's path. */
export const chromiumPath = (): string => process.env.FLEET_CHROMIUM || DEFAULT_CHROMIUM;

/** Whether a missing Chromium must fail the run (`FLEET_REQUIRE_BROWSER=1`, as in CI). */
export const browserRequired = (): boolean => process.env.FLEET_REQUIRE_BROWSER === '1';

/** Whether `chromiumPath()` is an executable file, so the browser tier can run. */
export const chromiumFound = (): boolean => {
  const path = chromiumPath();
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

const banner = (lines: readonly string[]): string => {
  const rule = '='.repeat(78);
  return `\n${rule}\n${lines.map((l) => (l ? `  ${l}` : l)).join('\n')}\n${rule}\n\n`;
};

/** The notice for a run without the browser tier: what was left out, why, and how to run it. */
export const browserTierNotRunNotice = (): string =>
  banner([
    `BROWSER TIER NOT RUN: no Chromium executable at ${chromiumPath()}.`,
    `The ${BROWSER_TESTS} files (the HUD page in a real browser) were left out`,
    "of this run. To run them too, install Debian's Chromium (as root) and rerun:",
    '',
    '    apt-get install -y chromium && npm test',
    '',
    'or point FLEET_CHROMIUM at another Chromium executable. FLEET_REQUIRE_BROWSER=1',
    '(as .ci/run sets) makes a missing Chromium fail the run.',
  ]);

/** The one line at the start of a run without the browser tier (the full notice ends the run). */
export const browserTierOffLine = (): string =>
  `Browser tier off: no Chromium executable at ${chromiumPath()}, so ${BROWSER_TESTS} are left ` +
  `out (apt-get install -y chromium, or FLEET_CHROMIUM=<path>).\n`;

/** The error for a run that requires the browser tier and has no Chromium. */
export const browserTierMissingError = (): string =>
  `FLEET_REQUIRE_BROWSER=1 but no Chromium executable at ${chromiumPath()}: the browser tier ` +
  `(${BROWSER_TESTS}) cannot run. Install it (apt-get install -y chromium) or set FLEET_CHROMIUM.`;

/** The one line for a run with the browser tier. */
export const browserTierIncludedNotice = (): string =>
  `\nBrowser tier included: ${BROWSER_TESTS} run with Chromium at ${chromiumPath()}.\n`;
