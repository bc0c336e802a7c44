import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolId, ProjectId } from '../events/index.ts';
import { launchHudBrowser } from '../test/support/hud-browser.ts';
import type { HudBrowser } from '../test/support/hud-browser.ts';
import { startLiveFleet } from '../test/support/live-fleet.ts';
import type { LiveFleet } from '../test/support/live-fleet.ts';

// The HUD's launches panel in a real browser (Debian's Chromium, driven by playwright-core) over
// a real fleet: launches under way and templates backing off, with their reasons, to an operator
// only. It runs only where a Chromium is found (test/harness/browser-tier.ts).

let fleet: LiveFleet;
let hud: HudBrowser;

beforeAll(async () => {
  [fleet, hud] = await Promise.all([
    startLiveFleet({
      workers: [
        { project: 'fin-prod', pool: 'cpu', models: ['phi-3'] },
        { project: 'media-prod', pool: 'cpu', models: ['phi-3'] },
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

describe('the HUD’s launches', () => {
  it('shows launches under way and templates backing off, with their reasons', async () => {
    const project = ProjectId.parse('media-prod');
    const pool = PoolId.parse('cpu');
    const s = fleet.log.subjects;
    const at = { at: Date.now() };
    const launch = (launchId: string, taskId: string, template: string) => ({
      type: 'launch.requested' as const,
      data: {
        launchId,
        project,
        pool,
        taskId,
        template,
        runtime: 'docker' as const,
        keyId: `k${launchId}`,
        cost: 2,
        reason: 'cold launch: no live worker fits',
      },
      meta: at,
    });
    // Tasks of a model nobody serves, a launch for each; the second launch fails.
    for (const taskId of ['wants-box', 'wants-vm'])
      await fleet.log.append(s.submit(project, pool), {
        type: 'task.submitted',
        data: { taskId, project, pool, requirements: { models: [`only-${taskId}`] } },
        meta: at,
      });
    await fleet.log.append(
      s.launch(project, pool),
      launch('l00000000000000a1', 'wants-box', 'box'),
    );
    await fleet.log.append(s.launch(project, pool), [
      launch('l00000000000000a2', 'wants-vm', 'vm'),
      {
        type: 'launch.failed',
        data: {
          launchId: 'l00000000000000a2',
          project,
          pool,
          code: 'runtime_not_found',
          message: 'no image vm:1',
          retryAt: Date.now() + 60_000,
        },
        meta: at,
      },
    ]);
    const page = await hud.open(fleet.hud.url, fleet.operatorToken);
    await expect
      .poll(() => page.textContent('#launches'), { timeout: 10_000 })
      .toMatch(/media-prod · cpu · vm.*failed 1×.*runtime_not_found: no image vm:1/s);
    expect(await page.textContent('#launches')).toMatch(
      /media-prod · cpu · box.*requested.*docker for task wants-box/s,
    );
    expect(await page.textContent('#waiting')).toMatch(/launching a docker worker \(template box/);
    expect(await page.textContent('#waiting')).toMatch(/launch from template vm failed 1×/);
    await page.close();
    // Another tenant sees none of them.
    const tenant = await hud.open(fleet.hud.url, fleet.projectTokens['fin-prod'] ?? '');
    expect(await tenant.textContent('#launches')).toBe('no launch under way');
    await tenant.close();
    hud.expectClean();
  });
});
