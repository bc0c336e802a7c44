import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolId, ProjectId } from '../events/index.ts';
import { waitReasonText } from '../domain/pool/index.ts';
import { launchHudBrowser } from '../test/support/hud-browser.ts';
import type { HudBrowser } from '../test/support/hud-browser.ts';
import { startLiveFleet } from '../test/support/live-fleet.ts';
import type { LiveFleet } from '../test/support/live-fleet.ts';

// The page in a real browser (Debian's Chromium, driven by playwright-core) over a real fleet:
// live numbers move without a reload, and a tenant's page holds nothing of another tenant.
// It runs only where a Chromium is found (test/harness/browser-tier.ts).

const ARTIFACTS = fileURLToPath(new URL('../test/.artifacts/', import.meta.url));
const SCREENSHOT = `${ARTIFACTS}hud.png`;

let fleet: LiveFleet;
let hud: HudBrowser;

beforeAll(async () => {
  [fleet, hud] = await Promise.all([
    startLiveFleet({
      workers: [
        { project: 'health-prod', pool: 'gpu', models: ['llama3-70b'], runtime: 'kubernetes' },
        { project: 'health-prod', pool: 'gpu', models: ['llama3-70b'], runtime: 'docker' },
        { project: 'health-prod', pool: 'cpu', models: ['mistral-7b'], runtime: 'process' },
        { project: 'health-prod', pool: 'cpu', models: ['mistral-7b'], runtime: 'lambda' },
        { project: 'fin-prod', pool: 'gpu', models: ['llama3-70b'], runtime: 'kubernetes' },
        { project: 'fin-prod', pool: 'gpu', models: ['llama3-70b'], runtime: 'process' },
        { project: 'fin-prod', pool: 'cpu', models: ['mistral-7b', 'phi-3'], runtime: 'docker' },
        { project: 'media-prod', pool: 'gpu', models: ['llama3-70b'], runtime: 'kubernetes' },
        { project: 'media-prod', pool: 'cpu', models: ['phi-3'], runtime: 'process' },
      ],
      taskMs: 40,
    }),
    launchHudBrowser(),
  ]);
}, 60_000);
afterAll(async () => {
  await hud.close();
  await fleet.close();
});

const open = (token: string): Promise<Page> => hud.open(fleet.hud.url, token);
const expectCleanPages = () => {
  hud.expectClean();
};

/**
 * What the uPlot chart in `#id` holds and shows: its series' labels and non-null values, its
 * time axis (seconds) and the number of its points, the values its legend shows, and how many
 * of its canvas's pixels are painted in each series' colour (0 when the series was not drawn).
 */
interface Drawn {
  labels: string[];
  values: number[][];
  /** Each series' newest value, null where it has none. */
  last: (number | null)[];
  legend: string[];
  painted: number[];
  x: { min: number; max: number; first: number; points: number };
}
const chartOf = (page: Page, id: string): Promise<Drawn> =>
  page.evaluate(`(() => {
    const u = document.getElementById(${JSON.stringify(id)}).chart;
    const series = u.series.slice(1);
    const ctx = u.ctx;
    const { data } = ctx.getImageData(0, 0, ctx.canvas.width, ctx.canvas.height);
    const painted = series.map((s) => {
      const c = [1, 3, 5].map((k) => parseInt(s.stroke().slice(k, k + 2), 16));
      let n = 0;
      for (let i = 0; i < data.length; i += 4)
        if (Math.abs(data[i] - c[0]) + Math.abs(data[i + 1] - c[1]) + Math.abs(data[i + 2] - c[2]) < 30)
          n += 1;
      return n;
    });
    return {
      labels: series.map((s) => s.label),
      values: u.data.slice(1).map((ys) => ys.filter((v) => v !== null)),
      last: u.data.slice(1).map((ys) => ys.at(-1) ?? null),
      legend: [...u.root.ownerDocument.querySelectorAll('#' + u.root.parentElement.id.replace('chart', 'keys') + ' .u-value')]
        .slice(1)
        .map((el) => el.textContent),
      painted,
      x: { min: u.scales.x.min, max: u.scales.x.max, first: u.data[0][0], points: u.data[0].length },
    };
  })()`);

const count = async (page: Page, id: string): Promise<number> =>
  Number(((await page.textContent(`#${id}`)) ?? '').replace(/[^0-9]/g, '') || 'NaN');

describe('the HUD page', () => {
  it('shows the fleet live to an operator, without reloading', async () => {
    const page = await open(fleet.operatorToken);
    await expect
      .poll(() => page.locator('.tile').count(), { timeout: 10_000 })
      .toBe(fleet.workers.length);
    // Browser-side code as text: this file is type-checked for Node, without the DOM's types.
    await page.evaluate('window.hudMarker = 1');

    await fleet.submit('health-prod', 'gpu', 'llama3-70b', 60);
    await fleet.submit('fin-prod', 'cpu', 'phi-3', 40);
    await fleet.submit('media-prod', 'gpu', 'llama3-70b', 40);
    // Tasks nobody can run: a model no worker serves; the page says why they wait.
    await fleet.submit('media-prod', 'cpu', 'gemma-2b', 3);
    await expect.poll(() => count(page, 'kpi-completed'), { timeout: 15_000 }).toBeGreaterThan(0);
    const first = await count(page, 'kpi-completed');
    await fleet.submit('health-prod', 'cpu', 'mistral-7b', 60);
    await fleet.submit('fin-prod', 'gpu', 'llama3-70b', 60);
    await expect
      .poll(() => count(page, 'kpi-completed'), { timeout: 15_000 })
      .toBeGreaterThan(first);
    // The same document all along: the numbers came over the event stream.
    expect(await page.evaluate('window.hudMarker')).toBe(1);

    await expect.poll(() => count(page, 'kpi-completed'), { timeout: 20_000 }).toBe(260);
    await expect
      .poll(() => page.textContent('#waiting'), { timeout: 10_000 })
      .toMatch(/media-prod · cpu.*3 queued/s);
    expect(await page.textContent('#waiting')).toMatch(/no worker qualifies · model: .*gemma-2b/);
    const costs = await page.locator('#costs .cost').allTextContents();
    expect(costs).toHaveLength(3);
    expect(costs.join(' ')).toMatch(/health-prod/);
    expect(await page.textContent('#kpi-cost')).toMatch(/^\$0\.\d+/);
    // The charts hold the series the page derives, and drew them: once each holds a line (two
    // points or more), its colour is on the canvas.
    const lines = async () => {
      const [t, l] = [
        await chartOf(page, 'chart-throughput'),
        await chartOf(page, 'chart-latency'),
      ];
      return (t.values[0] ?? []).length >= 2 && (l.values[2] ?? []).length >= 2;
    };
    await expect.poll(lines, { timeout: 10_000 }).toBe(true);
    const throughput = await chartOf(page, 'chart-throughput');
    expect(throughput.values[0]?.some((v) => v > 0)).toBe(true);
    expect(throughput.labels).toEqual(['completed/s']);
    expect(throughput.painted[0]).toBeGreaterThan(0);
    // The legend tells the newest value, as the chart's value axis writes it (whole above 10).
    const newest = throughput.values[0]?.at(-1) ?? NaN;
    expect(Math.abs(Number(throughput.legend[0]) - newest)).toBeLessThanOrEqual(0.5);
    // The time axis ends now and reaches back the chart's span (30 s at first).
    expect(throughput.x.max).toBeGreaterThan(Date.now() / 1000 - 5);
    expect(throughput.x.max - throughput.x.min).toBeGreaterThanOrEqual(30);
    expect(throughput.x.first).toBeGreaterThanOrEqual(throughput.x.min);
    const latency = await chartOf(page, 'chart-latency');
    expect(latency.labels).toEqual(['wait p50', 'wait p99', 'run p50']);
    const [waitP50 = [], waitP99 = [], runP50 = []] = latency.values;
    expect(waitP50.length).toBeGreaterThan(0);
    expect(runP50.length).toBeGreaterThan(0);
    // Every task runs 40 ms at least: the run time's buckets are at or above that.
    for (const ms of runP50) expect(ms).toBeGreaterThanOrEqual(40);
    expect(Math.max(...waitP99)).toBeGreaterThanOrEqual(Math.max(...waitP50));
    // Run p50 is drawn last, over the others: its pixels show whatever the wait lines do.
    expect(latency.painted[2]).toBeGreaterThan(0);
    // Its legend tells each series' newest value, a dash where the last 5 s had none.
    expect(latency.legend.map((v) => v === '–')).toEqual(latency.last.map((v) => v === null));
    expect(latency.legend.filter((v) => v !== '–').every((v) => /^\d/.test(v))).toBe(true);

    // Hovering a tile tells its project, pool and models.
    const tile = page.locator('.tile').first();
    await tile.hover();
    await expect.poll(() => page.locator('#tooltip').isVisible(), { timeout: 10_000 }).toBe(true);
    const id = await tile.getAttribute('data-worker');
    expect(await page.textContent('#tooltip')).toContain(id ?? 'missing');
    expect(await page.textContent('#tooltip')).toMatch(/project.*pool.*models/s);

    // Nothing spills out of a laptop screen.
    const overflow = await page.evaluate(`({
      x: document.documentElement.scrollWidth - window.innerWidth,
      y: document.documentElement.scrollHeight - window.innerHeight,
    })`);
    expect(overflow).toEqual({ x: 0, y: 0 });

    // A media-prod worker claims fin-prod's work: refused, and shown among the rejections.
    const intruder = fleet.workers.find((w) => w.identity.project === 'media-prod');
    if (intruder === undefined) throw new Error('no media-prod worker');
    await fleet.nc.request(
      fleet.log.subjects.claim(ProjectId.parse('fin-prod'), PoolId.parse('gpu'), intruder.id),
      JSON.stringify({ max: 1, waitMs: 1_000 }),
      { timeout: 5_000 },
    );
    await expect
      .poll(() => page.textContent('#rejections'), { timeout: 10_000 })
      .toMatch(/cross_project.*fin-prod/s);
    expect(await page.textContent('#rejection-reasons')).toBe('cross_project 1');

    // The picture: the fleet at work, with a few seconds of history on the charts.
    await expect
      .poll(async () => (await chartOf(page, 'chart-throughput')).x.points, { timeout: 10_000 })
      .toBeGreaterThan(3);
    await fleet.submit('health-prod', 'gpu', 'llama3-70b', 40, 400);
    await fleet.submit('fin-prod', 'gpu', 'llama3-70b', 24, 400);
    await fleet.submit('fin-prod', 'cpu', 'mistral-7b', 6, 900);
    await fleet.submit('media-prod', 'gpu', 'llama3-70b', 10, 400);
    await expect.poll(() => count(page, 'kpi-running'), { timeout: 10_000 }).toBeGreaterThan(8);
    await page.mouse.move(0, 0);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    await page.close();
    expectCleanPages();
  });

  it('draws the recent past at once when opened late: the history comes from the server', async () => {
    // The server's history must reach back further than the page could sample by itself.
    const historySpan = async () => {
      const r = await fetch(
        `${fleet.hud.url}api/history?token=${encodeURIComponent(fleet.operatorToken)}`,
      );
      const points = ((await r.json()) as { points: { t: number }[] }).points;
      return (points.at(-1)?.t ?? 0) - (points[0]?.t ?? 0);
    };
    // The server samples only a fleet that changes: keep it busy meanwhile with short tasks.
    let failed: unknown;
    const busy = setInterval(() => {
      fleet.submit('health-prod', 'gpu', 'llama3-70b', 1, 50).catch((e: unknown) => {
        failed = e;
      });
    }, 500);
    await expect
      .poll(historySpan, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(8_000)
      .finally(() => {
        clearInterval(busy);
      });
    expect(failed).toBeUndefined();
    const opened = Date.now();
    const page = await open(fleet.operatorToken);
    await expect
      .poll(async () => (await chartOf(page, 'chart-throughput')).x.points, { timeout: 10_000 })
      .toBeGreaterThan(0);
    const throughput = await chartOf(page, 'chart-throughput');
    // A page with only its own samples holds one point per second it has been open; with the
    // server's history, its series reaches back to before the page was opened.
    const ownSeconds = Math.ceil((Date.now() - opened) / 1000);
    expect(throughput.x.points).toBeGreaterThan(ownSeconds + 3);
    expect(throughput.x.first).toBeLessThan(opened / 1000 - 3);
    expect(throughput.values[0]?.some((v) => v > 0)).toBe(true);
    expect(throughput.painted[0]).toBeGreaterThan(0);
    const latency = await chartOf(page, 'chart-latency');
    expect(latency.x.first).toBeLessThan(opened / 1000 - 3);
    expect(latency.values[0]?.length).toBeGreaterThan(0);
    // Lost and revoked are told apart in the workers' figures; runtimes by their names.
    expect(await page.textContent('#kpi-workers-hint')).not.toMatch(/lost|revoked/);
    expect(await page.locator('.tile .rt').first().getAttribute('title')).toMatch(
      /^(local process|Docker|Kubernetes|AWS Lambda)$/,
    );
    await page.close();
    expectCleanPages();
  });

  it('shows a running task’s latest progress on its worker’s tile and tooltip, live', async () => {
    const page = await open(fleet.operatorToken);
    await fleet.submit('media-prod', 'cpu', 'phi-3', 1, 8_000, 'indexing page 1');
    const tile = page.locator('.tile[data-progress]');
    await expect
      .poll(() => tile.first().getAttribute('data-progress'), { timeout: 15_000 })
      .toMatch(/^b\d+-0 1\/4 \(25%\): indexing page 1$/);
    await tile.first().hover();
    await expect
      .poll(() => page.textContent('#tooltip'), { timeout: 10_000 })
      .toMatch(/progressb\d+-0 1\/4 \(25%\): indexing page 1/);
    await page.close();
    expectCleanPages();
  });

  it('lets an operator cancel a task, confirmed first, stored as an event on the stream', async () => {
    const page = await open(fleet.operatorToken);
    const asked: string[] = [];
    page.on('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await page.click('#act-open');
    // The first test's gemma-2b tasks wait forever: no worker serves the model.
    await page.fill('#act-project', 'media-prod');
    await page.fill('#act-pool', 'cpu');
    await page.fill('#act-target', 'b4-0');
    await page.fill('#act-reason', 'from the HUD');
    await page.click('#act-submit');
    await expect
      .poll(() => page.textContent('#act-result'), { timeout: 10_000 })
      .toMatch(/^cancellation stored at seq \d+/);
    expect(asked).toEqual(['Cancel task b4-0 of media-prod · cpu?']);
    await fleet.until(
      (s) =>
        s.fleet.pools.find((p) => p.project === 'media-prod' && p.pool === 'cpu')?.tasks
          .cancelled === 1,
    );
    await page.close();
    expectCleanPages();
  });

  it('lets an operator drain a worker, confirmed first, stored as an event on the stream', async () => {
    const page = await open(fleet.operatorToken);
    const worker = fleet.workers.find(
      (w) => w.identity.project === 'media-prod' && w.identity.pool === 'gpu',
    );
    if (worker === undefined) throw new Error('no media-prod gpu worker');
    const asked: string[] = [];
    let answer = false;
    page.on('dialog', (d) => {
      asked.push(d.message());
      void (answer ? d.accept() : d.dismiss());
    });
    await page.click('#act-open');
    await page.selectOption('#act-kind', 'drain');
    expect(await page.textContent('#act-submit')).toBe('drain the worker');
    expect(await page.locator('#act-reason').isVisible()).toBe(false);
    await page.fill('#act-project', 'media-prod');
    await page.fill('#act-pool', 'gpu');
    await page.fill('#act-target', worker.id);
    // Declined: nothing is sent.
    await page.click('#act-submit');
    expect(asked).toHaveLength(1);
    expect(await page.textContent('#act-result')).toBe('');
    answer = true;
    await page.click('#act-submit');
    await expect
      .poll(() => page.textContent('#act-result'), { timeout: 10_000 })
      .toMatch(/^drain stored at seq \d+/);
    expect(asked).toEqual([
      `Drain worker ${worker.id} of media-prod · gpu? It takes no new work.`,
      `Drain worker ${worker.id} of media-prod · gpu? It takes no new work.`,
    ]);
    await fleet.until(
      (s) => s.fleet.workers.find((w) => w.workerId === worker.id)?.status === 'left',
    );
    await page.close();
    expectCleanPages();
  });

  it('shows a tenant only its own workers', async () => {
    const page = await open(fleet.projectTokens['fin-prod'] ?? '');
    const own = fleet.workers.filter((w) => w.identity.project === 'fin-prod').map((w) => w.id);
    const others = fleet.workers.filter((w) => w.identity.project !== 'fin-prod').map((w) => w.id);
    await expect.poll(() => page.locator('.tile').count(), { timeout: 10_000 }).toBe(own.length);
    expect(await page.textContent('#scope')).toMatch(/fin-prod/);
    const html = await page.content();
    for (const id of own) expect(html).toContain(id);
    for (const id of others) expect(html).not.toContain(id);
    expect(html).not.toMatch(/health-prod|media-prod/);
    expect(await page.locator('#act-open').isVisible()).toBe(false);
    // fin-prod sees that its work was claimed, not by whom.
    expect(await page.textContent('#rejections')).toMatch(/cross_project.*outside this project/s);
    await page.close();
    expectCleanPages();
  });

  it('finds tasks by id and status, a queued one saying why it waits, within the scope', async () => {
    const page = await open(fleet.operatorToken);
    await page.click('#tasks-open');
    // The newest tasks are listed at once.
    await expect
      .poll(() => page.locator('#tasks tbody tr').count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await page.fill('#task-id', 'b4-');
    await page.selectOption('#task-status', 'queued');
    await page.click('#task-find');
    await expect
      .poll(() => page.textContent('#task-count'), { timeout: 10_000 })
      .toBe('2 of 2, newest first');
    const ids = await page.locator('#tasks tbody td.who').allTextContents();
    expect(ids).toEqual(['b4-2', 'b4-1']);
    const group = fleet.projections
      .snapshot({ kind: 'operator' })
      .fleet.waiting.find((w) => w.project === 'media-prod' && w.pool === 'cpu');
    expect(group).toBeDefined();
    expect(await page.locator('#tasks tbody tr .why').first().textContent()).toBe(
      group === undefined ? '' : waitReasonText(group.reason),
    );
    await page.close();
    // A tenant's search never finds another tenant's tasks.
    const tenant = await open(fleet.projectTokens['fin-prod'] ?? '');
    await tenant.click('#tasks-open');
    await tenant.fill('#task-id', 'b4-');
    await tenant.click('#task-find');
    await expect
      .poll(() => tenant.textContent('#task-count'), { timeout: 10_000 })
      .toBe('no task matches');
    await tenant.fill('#task-id', '');
    await tenant.click('#task-find');
    await expect
      .poll(() => tenant.textContent('#task-count'), { timeout: 10_000 })
      .toMatch(/newest first$/);
    expect(await tenant.textContent('#tasks')).not.toMatch(/health-prod|media-prod/);
    await tenant.close();
    expectCleanPages();
  });
});
