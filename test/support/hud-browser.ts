import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { chromiumPath } from '../harness/browser-tier.ts';

/** Debian's Chromium, headless, for the HUD's pages; what each page loaded and failed at. */
export interface HudBrowser {
  readonly browser: Browser;
  /** Opens the HUD at `url` with `token` and resolves once its live stream is up. */
  open(url: string, token: string): Promise<Page>;
  /** Nothing remote was loaded, and no script failed (a CSP refusal is an error too). */
  expectClean(): void;
  close(): Promise<void>;
}

/** Launches the browser of the browser tier (test/harness/browser-tier.ts). */
export const launchHudBrowser = async (): Promise<HudBrowser> => {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const remote: string[] = [];
  const errors: string[] = [];
  return {
    browser,
    open: async (url, token) => {
      const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
      page.on('request', (r) => {
        if (!r.url().startsWith(url)) remote.push(r.url());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(`${url}?token=${encodeURIComponent(token)}`);
      await expect
        .poll(() => page.locator('#live').getAttribute('data-state'), { timeout: 10_000 })
        .toBe('live');
      return page;
    },
    expectClean: () => {
      expect({ remote, errors }).toEqual({ remote: [], errors: [] });
    },
    close: () => browser.close(),
  };
};
