import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchHudBrowser } from '../test/support/hud-browser.ts';
import type { HudBrowser } from '../test/support/hud-browser.ts';
import { startLiveFleet } from '../test/support/live-fleet.ts';
import type { LiveFleet } from '../test/support/live-fleet.ts';

// The HUD's dead letters panel in a real browser (Debian's Chromium, driven by playwright-core)
// over a real fleet whose workers fail some tasks on their one attempt: an operator sees every
// project's dead letters, a tenant only its own. It runs only where a Chromium is found.

let fleet: LiveFleet;
let hud: HudBrowser;

beforeAll(async () => {
  [fleet, hud] = await Promise.all([
    startLiveFleet({
      workers: [
        { project: 'health-prod', pool: 'cpu', models: ['mistral-7b'] },
        { project: 'fin-prod', pool: 'gpu', models: ['llama3-70b'] },
      ],
      taskMs: 20,
    }),
    launchHudBrowser(),
  ]);
}, 60_000);
afterAll(async () => {
  await hud.close();
  await fleet.close();
});

const open = (token: string): Promise<Page> => hud.open(fleet.hud.url, token);

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
    hud.expectClean();
  });
});
