import { describe, expect, it } from 'vitest';
import { ServeClaims } from '../../events/index.ts';
import type { FleetEvent } from '../../events/index.ts';
import { ev, enrolled, P, POOL, submitted } from '../../test/support/builders.ts';
import { decide, evolve, initialState, waitReasonText, whyWaiting } from '../pool/index.ts';
import type { DispatchState } from '../pool/index.ts';
import { calendarPeriod } from './calendar.ts';
import { limitText } from './limit-text.ts';
import { limitUsage } from './limit-usage.ts';

const pool = POOL as never;
const claim = (workerId: string, now: number) =>
  ServeClaims.parse({
    type: 'serve_claims',
    data: { claims: [{ workerId, project: P.health, pool: POOL, max: 10 }] },
    meta: { now },
  });

/** Folds events at stream time `at` each (one message per event, from seq 1). */
const fold = (events: readonly (readonly [FleetEvent, number])[], s = initialState({ pool })) => {
  let state: DispatchState = s;
  for (const [e, at] of events) {
    const out = evolve(state, e, { seq: state.position + 1, at });
    state = out.state;
  }
  return state;
};

describe('calendar periods', () => {
  it('reset at local midnight of the day or the first of the month, in the time zone', () => {
    const at = Date.UTC(2026, 11, 31, 23, 30); // 2026-12-31 23:30 UTC, 2027-01-01 00:30 in Paris
    expect(calendarPeriod(at, { kind: 'month', timeZone: 'UTC' })).toEqual({
      start: Date.UTC(2026, 11, 1),
      end: Date.UTC(2027, 0, 1),
    });
    expect(calendarPeriod(at, { kind: 'day', timeZone: 'Europe/Paris' })).toEqual({
      start: Date.UTC(2026, 11, 31, 23),
      end: Date.UTC(2027, 0, 1, 23),
    });
    // A day of 23 hours: New York springs forward on 2027-03-14.
    const dst = calendarPeriod(Date.UTC(2027, 2, 14, 12), {
      kind: 'day',
      timeZone: 'America/New_York',
    });
    expect(dst).toEqual({ start: Date.UTC(2027, 2, 14, 5), end: Date.UTC(2027, 2, 15, 4) });
  });
});

describe('limit texts', () => {
  it('say what binds, how much is used, and when it frees', () => {
    const at = Date.UTC(2026, 11, 20);
    expect(
      limitText({
        scope: 'acme',
        kind: 'budget_usd',
        used: 41.9,
        limit: 42,
        need: 0.2,
        period: { kind: 'month', timeZone: 'UTC' },
        freesAt: Date.UTC(2027, 0, 1),
        never: false,
        at,
      }),
    ).toBe('budget: $41.90 of $42.00 used this month, resets 2027-01-01 00:00 UTC');
    expect(
      limitText({
        scope: 'acme',
        kind: 'tasks_rate',
        used: 118,
        limit: 120,
        need: 1,
        freesAt: at + 3_100,
        never: false,
        at,
      }),
    ).toBe('rate: 118 of 120 tasks this minute, next slot in 4 s');
    expect(
      limitText({
        scope: 'acme|llama3-8b',
        kind: 'concurrency',
        used: 5,
        limit: 5,
        need: 1,
        never: false,
        at,
      }),
    ).toBe('concurrency of llama3-8b: 5 of 5 running');
  });
});

describe('limits in the pool', () => {
  const t0 = Date.UTC(2026, 11, 31, 12);
  const budget = ev('limit.set', {
    project: P.health,
    pool: POOL,
    budget: { usd: 0.05, period: { kind: 'day', timeZone: 'UTC' } },
    concurrency: 2,
  });

  it('reserve at assignment, settle on the report, and hold the next task back on the budget', () => {
    let s = fold([
      [budget, t0],
      [enrolled('w1', { capacity: 4 }), t0],
      [submitted('a', { maxSpend: { usd: 0.03 } }), t0],
      [submitted('b', { maxSpend: { usd: 0.03 } }), t0],
    ]);
    const first = decide(s, claim('w1', t0 + 10));
    // Only one fits: the second would take reserved + spent to $0.06 of $0.05.
    expect(first.map((e) => e.type)).toEqual(['task.assigned']);
    s = fold(
      first.map((e) => [e, t0 + 10] as const),
      s,
    );
    expect(waitReasonText(whyWaiting(s, P.health as never, 'b' as never, t0 + 20))).toBe(
      'budget: $0.03 of $0.05 used today, resets 2027-01-01 00:00 UTC',
    );
    // The report settles $0.01 and releases the rest: now b fits.
    const usage = { tokensIn: 10, tokensOut: 10, costUsd: 0.01, durationMs: 1 };
    s = fold(
      [
        [
          ev('task.completed', {
            taskId: 'a',
            project: P.health,
            pool: POOL,
            workerId: 'w1',
            attempt: 1,
            usage,
          }),
          t0 + 30,
        ],
      ],
      s,
    );
    expect(decide(s, claim('w1', t0 + 40)).map((e) => e.type)).toEqual(['task.assigned']);
  });

  it('refuse a submission whose declared maximum is more than the whole budget', () => {
    const { verdict } = evolve(fold([[budget, t0]]), submitted('big', { maxSpend: { usd: 1 } }), {
      seq: 2,
      at: t0,
    });
    expect(verdict).toMatchObject({ kind: 'refused', reason: 'over_limit' });
  });

  it('fail a task fast when it asks to, and refuse a forged assignment over the cap', () => {
    const cap = ev('limit.set', { project: P.health, pool: POOL, concurrency: 1 });
    let s = fold([
      [cap, t0],
      [enrolled('w1', { capacity: 4 }), t0],
      [submitted('a'), t0],
      [submitted('b', { onLimit: 'fail' }), t0],
      [submitted('c'), t0],
    ]);
    const out = decide(s, claim('w1', t0));
    expect(out.map((e) => [e.type, 'taskId' in e.data ? e.data.taskId : ''])).toEqual([
      ['task.assigned', 'a'],
      ['task.over_limit', 'b'],
    ]);
    s = fold(
      out.map((e) => [e, t0] as const),
      s,
    );
    expect(s.tasks.get(`${P.health}/b`)?.status).toBe('failed');
    const forged = ev('task.assigned', {
      taskId: 'c',
      project: P.health,
      pool: POOL,
      workerId: 'w1',
      attempt: 1,
      leaseExpiresAt: t0 + 60_000,
    });
    const { verdict } = evolve(s, forged, { seq: s.position + 1, at: t0 });
    expect(verdict).toMatchObject({ kind: 'refused', reason: 'over_limit' });
    expect(waitReasonText(whyWaiting(s, P.health as never, 'c' as never))).toBe(
      'concurrency: 1 of 1 running',
    );
  });
});

describe('limit usage', () => {
  it('reports used against each maximum, with a budget’s reset and burn per hour', () => {
    const t0 = Date.UTC(2026, 11, 31, 12);
    const s = fold([
      [
        ev('limit.set', {
          project: P.health,
          pool: POOL,
          budget: { usd: 1, period: { kind: 'day', timeZone: 'UTC' } },
          rate: { tasksPerMinute: 10 },
          concurrency: 3,
        }),
        t0,
      ],
      [enrolled('w1', { capacity: 4 }), t0],
      [submitted('a', { maxSpend: { usd: 0.24 } }), t0],
      [
        ev('task.assigned', {
          taskId: 'a',
          project: P.health,
          pool: POOL,
          workerId: 'w1',
          attempt: 1,
          leaseExpiresAt: t0 + 60_000,
        }),
        t0,
      ],
    ]);
    const rows = limitUsage(s.limits, t0 + 1000);
    expect(rows.map((r) => [r.kind, r.used, r.limit])).toEqual([
      ['concurrency', 1, 3],
      ['tasks_rate', 1, 10],
      ['budget_usd', 0.24, 1],
    ]);
    // Twelve hours and a second into the day: about $0.02 an hour.
    expect(rows[2]).toMatchObject({
      resetsAt: Date.UTC(2027, 0, 1),
      burnPerHour: 0.24 / (12 + 1 / 3600),
    });
  });
});

describe('a model’s limit', () => {
  it('binds only tasks that may run on the model, and charges nothing once one ran on another', () => {
    const t0 = Date.UTC(2026, 11, 31, 12);
    const models = ['llama3-8b', 'mistral-7b'];
    let s = fold([
      [
        ev('limit.set', {
          project: P.health,
          pool: POOL,
          model: 'llama3-8b',
          concurrency: 1,
          budget: { tokens: 100_000, period: { kind: 'month', timeZone: 'UTC' } },
        }),
        t0,
      ],
      [enrolled('w1', { capacity: 4, models }), t0],
      [submitted('a', { requirements: { models } }), t0],
      [submitted('b', { requirements: { models: ['llama3-8b'] } }), t0],
      [submitted('c', { requirements: { models: ['mistral-7b'] } }), t0],
    ]);
    const out = decide(s, claim('w1', t0));
    // a takes the model's one slot; b waits on it; c, which cannot run on it, is not bound.
    expect(out.map((e) => ('taskId' in e.data ? e.data.taskId : ''))).toEqual(['a', 'c']);
    s = fold(
      out.map((e) => [e, t0] as const),
      s,
    );
    expect(waitReasonText(whyWaiting(s, P.health as never, 'b' as never))).toBe(
      'concurrency of llama3-8b: 1 of 1 running',
    );
    const usage = { tokensIn: 1, tokensOut: 1, durationMs: 1, model: 'mistral-7b' };
    const done = ev('task.completed', {
      ...{ taskId: 'a', project: P.health, pool: POOL, workerId: 'w1', attempt: 1 },
      usage,
    });
    s = fold([[done, t0 + 1]], s);
    const charge = s.limits.ledgers[`${P.health}|llama3-8b`]?.charges[0];
    expect(charge).toMatchObject({ usd: 0, tokens: 0, held: false });
  });
});
