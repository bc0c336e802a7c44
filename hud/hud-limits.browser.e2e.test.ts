import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolId, ProjectId } from '../events/index.ts';
import { chromiumPath } from '../test/harness/browser-tier.ts';
import { startLiveFleet } from '../test/support/live-fleet.ts';
import type { LiveFleet } from '../test/support/live-fleet.ts';

// An operator sets, refuses and clears a tenant's limits from the page in a real browser
// (Debian's Chromium through playwright-core) over a real fleet: each is an event on the
// stream, and the page's live stream shows the limit in force, then gone.

let fleet: LiveFleet;
let browser: Browser;

beforeAll(async () => {
  [fleet, browser] = await Promise.all([
    startLiveFleet({ workers: [{ project: 'alpha', pool: 'gpu', models: ['llama'] }] }),
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

const errors: string[] = [];
const open = async (token: string): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    void d.accept();
  });
  await page.goto(`${fleet.hud.url}?token=${encodeURIComponent(token)}`);
  await expect
    .poll(() => page.locator('#live').getAttribute('data-state'), { timeout: 15_000 })
    .toBe('live');
  return page;
};

type Stored = { subject?: string; seq?: number; type: string; data: Record<string, unknown> };
const stored = async (query: { seq: number } | { last_by_subj: string }): Promise<Stored> => {
  const m = await fleet.log.jsm.streams.getMessage(fleet.log.stream, query);
  const body = JSON.parse(new TextDecoder().decode(m?.data)) as Stored;
  return { ...body, subject: m?.subject, seq: m?.seq };
};
/** The event stored at `seq`, and its subject. */
const storedAt = (seq: number) => stored({ seq });
const LIMITS = () => fleet.log.subjects.limits(ProjectId.parse('alpha'), PoolId.parse('gpu'));

const seqOf = async (page: Page, pattern: RegExp): Promise<number> => {
  await expect.poll(() => page.textContent('#limit-result'), { timeout: 15_000 }).toMatch(pattern);
  return Number(/seq (\d+)/.exec((await page.textContent('#limit-result')) ?? '')?.[1]);
};

describe('limits from the HUD', () => {
  it('lets an operator set a limit, refuses a bad one on the record, and clears it', async () => {
    const page = await open(fleet.operatorToken);
    await page.click('#limit-open');
    await page.fill('#limit-project', 'alpha');
    await page.fill('#limit-pool', 'gpu');
    await page.fill('#limit-budget-usd', '42');
    await page.fill('#limit-concurrency', '3');
    await page.click('#limit-set');
    const setSeq = await seqOf(page, /^limits stored at seq \d+$/);
    const set = await storedAt(setSeq);
    expect(set.subject).toBe(LIMITS());
    expect(set.type).toBe('limit.set');
    expect(set.data).toMatchObject({
      project: 'alpha',
      pool: 'gpu',
      concurrency: 3,
      budget: { usd: 42, period: { kind: 'month', timeZone: 'UTC' } },
    });
    // The page's live stream brings the limit in force to the panel, without a reload.
    await expect
      .poll(() => page.locator('#limits [data-project="alpha"]').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    expect(await page.textContent('#limits')).toContain('$42.00');

    // A negative budget: refused with the CLI's words, and the refusal is on the stream.
    await page.fill('#limit-budget-usd', '-5');
    await page.click('#limit-set');
    await expect
      .poll(() => page.textContent('#limit-result'), { timeout: 15_000 })
      .toBe('refused: --budget-usd -5 must be more than 0');
    const refused = await stored({ last_by_subj: LIMITS() });
    expect(refused.seq).toBeGreaterThan(setSeq);
    expect(refused.type).toBe('limit.refused');
    expect(refused.data).toMatchObject({
      project: 'alpha',
      pool: 'gpu',
      reason: '--budget-usd -5 must be more than 0',
    });

    await page.click('#limit-clear');
    const clearSeq = await seqOf(page, /^limits cleared at seq \d+$/);
    expect(await storedAt(clearSeq)).toMatchObject({
      type: 'limit.cleared',
      data: { project: 'alpha', pool: 'gpu' },
    });
    await expect
      .poll(() => page.textContent('#limits'), { timeout: 15_000 })
      .toBe('no limits in force');
    await page.close();
    expect(errors).toEqual([]);
  });

  it('shows a tenant no limits button, and refuses its token at the action', async () => {
    const alpha = fleet.projectTokens['alpha'] ?? '';
    const page = await open(alpha);
    expect(await page.locator('#limit-open').isVisible()).toBe(false);
    await page.close();
    const res = await fetch(new URL('/api/actions/limit-set', fleet.hud.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alpha}` },
      body: JSON.stringify({ project: 'alpha', pool: 'gpu', concurrency: '1000' }),
    });
    expect(res.status).toBe(403);
    expect(errors).toEqual([]);
  });
});
