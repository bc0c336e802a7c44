import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolId, ProjectId } from '../events/index.ts';
import { startLiveFleet } from '../test/support/live-fleet.ts';
import type { LiveFleet } from '../test/support/live-fleet.ts';

// The limit gauges of /metrics, read over HTTP from the HUD of a real fleet: a tenant on a tight
// budget spends it, its further tasks wait, and /metrics says so — spend against the budget,
// the burn rate, and how many tasks wait on the limit. Another tenant, without limits, has none.

let fleet: LiveFleet;

beforeAll(async () => {
  fleet = await startLiveFleet({
    workers: [
      { project: 'alpha', pool: 'gpu', models: ['llama'] },
      { project: 'beta', pool: 'gpu', models: ['llama'] },
    ],
    taskMs: 5,
  });
  // Each attempt reserves $0.0005 and its worker reports $0.0005: two fit a $0.0012 budget.
  // A rolling hour: the burn per hour is then the spend itself, whatever the clock says.
  await fleet.log.append(fleet.log.subjects.limits(ProjectId.parse('alpha'), PoolId.parse('gpu')), {
    type: 'limit.set',
    data: {
      project: 'alpha',
      pool: 'gpu',
      budget: { usd: 0.0012, period: { kind: 'rolling', ms: 3_600_000 } },
      concurrency: 4,
      estimate: { usd: 0.0005 },
    },
    meta: { at: Date.now() },
  });
  await fleet.submit('alpha', 'gpu', 'llama', 5);
  await fleet.submit('beta', 'gpu', 'llama', 2);
  await fleet.until((s) => {
    const pool = (p: string) => s.fleet.pools.find((x) => x.project === p && x.pool === 'gpu');
    const waiting = s.fleet.waiting.find(
      (w) => w.project === 'alpha' && w.reason.kind === 'over_limit',
    );
    return (
      pool('alpha')?.tasks.completed === 2 &&
      pool('beta')?.tasks.completed === 2 &&
      waiting?.queued === 3
    );
  }, 30_000);
}, 60_000);
afterAll(async () => {
  await fleet.close();
});

/** The value of the sample `name{labels}` in a Prometheus text exposition, or undefined. */
const sample = (text: string, name: string, labels: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

const metrics = async (token: string): Promise<string> => {
  const res = await fetch(new URL('/metrics', fleet.hud.url), {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
};

describe('the limit gauges of /metrics', () => {
  it('export spend against budget, burn rate and the tasks waiting on a limit', async () => {
    const text = await metrics(fleet.operatorToken);
    const budget = 'project="alpha",pool="gpu",model="",limit="budget_usd"';
    expect(sample(text, 'fleet_limit_max', budget)).toBe(0.0012);
    expect(sample(text, 'fleet_limit_used', budget)).toBeCloseTo(0.001, 12);
    // The window is an hour less a millisecond (its start is counted): the same to 8 places.
    expect(sample(text, 'fleet_limit_burn_per_hour', budget)).toBeCloseTo(0.001, 8);
    const cap = 'project="alpha",pool="gpu",model="",limit="concurrency"';
    expect(sample(text, 'fleet_limit_max', cap)).toBe(4);
    expect(sample(text, 'fleet_limit_used', cap)).toBe(0);
    expect(sample(text, 'fleet_waiting_on_limit', 'project="alpha",pool="gpu"')).toBe(3);
    // beta has no limit: no gauge of it, and nothing of it waits on one.
    expect(text).not.toMatch(/fleet_limit_\w+\{project="beta"/);
    expect(sample(text, 'fleet_waiting_on_limit', 'project="beta",pool="gpu"')).toBeUndefined();
  });

  it('show a tenant its own limits only', async () => {
    const beta = await metrics(fleet.projectTokens['beta'] ?? '');
    expect(beta).not.toContain('alpha');
    const alpha = await metrics(fleet.projectTokens['alpha'] ?? '');
    expect(sample(alpha, 'fleet_waiting_on_limit', 'project="alpha",pool="gpu"')).toBe(3);
  });
});
