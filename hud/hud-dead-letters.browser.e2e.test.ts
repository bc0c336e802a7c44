import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath } from '../test/harness/browser-tier.ts';
import { startLiveFleet } from '../test/support/live-fleet.ts';
import type { LiveFleet } from '../test/support/live-fleet.ts';

// The HUD's dead letters panel in a real browser (Debian's Chromium, driven by playwright-core)
// over a real fleet whose workers fail some tasks on their one attempt: an operator sees every
// project's dead letters, a tenant only its own. It runs only where a Chromium is found.

let fleet: LiveFleet;
let browser: Browser;

beforeAll(async () => {
  [fleet, browser] = await Promise.all([
    startLiveFleet({
      workers: [
        { project: 'health-prod', pool: 'cpu', models: ['mistral-7b'] },
        { project: 'fin-prod', pool: 'gpu', models: ['llama3-70b'] },
      ],
      taskMs: 20,
    }),
    chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run'],
    }),
  ]);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await fleet.close();
});

/** Script errors of every page opened. */
const errors: string[] = [];

const open = async (token: string): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${fleet.hud.url}?token=${encodeURIComponent(token)}`);
  await expect
    .poll(() => page.locator('#live').getAttribute('data-state'), { timeout: 10_000 })
    .toBe('live');
  return page;
};

describe('the HUD’s dead letters', () => {
  it('lists the dead-lettered tasks, a tenant only its own', async () => {
    const health = await fleet.deadLetter('health-prod', 'cpu', 'mistral-7b', 2);
    const fin = await fleet.deadLetter('fin-prod', 'gpu', 'llama3-70b', 1);
    const dead = (s: Parameters<Parameters<LiveFleet['until']>[0]>[0], project: string) =>
      s.fleet.pools
        .filter((p) => p.project === project)
        .reduce((n, p) => n + p.tasks.dead_lettered, 0);
    await fleet.until((s) => dead(s, 'health-prod') >= 2 && dead(s, 'fin-prod') >= 1, 30_000);
    const ids = (page: Page) => page.locator('#dead-letters li .who').allTextContents();
    const page = await open(fleet.operatorToken);
    await expect
      .poll(() => ids(page), { timeout: 15_000 })
      .toEqual(expect.arrayContaining([...health, ...fin]));
    expect(await page.textContent('#dead-letters')).toMatch(
      new RegExp(`${fin[0] ?? ''}.*fin-prod · gpu · 1 attempt`, 's'),
    );
    await page.close();
    const tenant = await open(fleet.projectTokens['fin-prod'] ?? '');
    await expect.poll(() => ids(tenant), { timeout: 15_000 }).toEqual(expect.arrayContaining(fin));
    expect(await ids(tenant)).not.toEqual(expect.arrayContaining([health[0]]));
    expect(await tenant.textContent('#dead-letters')).not.toMatch(/health-prod|media-prod/);
    await tenant.close();
    expect(errors).toEqual([]);
  });
});
