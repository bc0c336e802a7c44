import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TaskLimits } from '../../events/index.ts';
import type { CheckLiveness } from '../../events/index.ts';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import { given } from '../../test/support/given.ts';
import { backoffMs, defaultBackoff, jitterOf, retryDelay } from './retry-policy.ts';
import { taskKey } from './state.ts';
import { waitReasonText } from './wait-reason-text.ts';
import { whyWaiting } from './why-waiting.ts';

const k = (taskId: string) => taskKey(P.health, taskId);
const ref = (taskId: string) => ({ taskId, project: P.health, pool: POOL });
const assign = (taskId: string, attempt = 1) =>
  ev('task.assigned', { ...ref(taskId), workerId: 'w1', attempt, leaseExpiresAt: 1_000_000 });
const failed = (
  taskId: string,
  attempt: number,
  over: { code?: string; retryAfterMs?: number; retryable?: boolean } = {},
) =>
  ev('task.failed', {
    ...ref(taskId),
    workerId: 'w1',
    attempt,
    retryable: over.retryable ?? true,
    error: { message: 'boom', ...(over.code === undefined ? {} : { code: over.code }) },
    ...(over.retryAfterMs === undefined ? {} : { retryAfterMs: over.retryAfterMs }),
  });
const ready = (taskId: string, attempt: number) => ev('task.ready', { ...ref(taskId), attempt });
const check = (now: number): CheckLiveness => ({
  type: 'check_liveness',
  data: { lastSeen: { w1: now }, graceFrom: now },
  meta: { now },
});
/** Stream time of message `seq` in these histories: a second apart, from 1,000 s. */
const at = (seq: number) => 1_000_000 + seq * 1000;

describe('backoff', () => {
  const b = { initialMs: 1000, maxMs: 60_000, multiplier: 2 };

  it('grows by its multiplier from the initial wait, up to its cap, jittered to half or more', () => {
    expect(backoffMs(b, 1, 0.999_999)).toBe(1000);
    expect(backoffMs(b, 1, 0)).toBe(500);
    expect(backoffMs(b, 3, 0.999_999)).toBe(4000);
    expect(backoffMs(b, 30, 0.999_999)).toBe(60_000);
  });

  it('is finite and within the contract whatever the inputs (no overflow)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: TaskLimits.maxRetryDelayMs }),
        fc.integer({ min: 0, max: TaskLimits.maxRetryDelayMs }),
        fc.double({ min: 1, max: TaskLimits.maxBackoffMultiplier, noNaN: true }),
        fc.integer({ min: 1, max: TaskLimits.maxAttempts }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (initialMs, maxMs, multiplier, attempt, jitter) => {
          const ms = backoffMs({ initialMs, maxMs, multiplier }, attempt, jitter);
          expect(Number.isInteger(ms)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(ms).toBeLessThanOrEqual(Math.min(maxMs, TaskLimits.maxRetryDelayMs));
        },
      ),
    );
    // 10^99 ms, and Infinity itself, are the cap.
    expect(backoffMs({ initialMs: 1e300, maxMs: 5000, multiplier: 10 }, 100, 0.999_999)).toBe(5000);
  });

  it('takes its jitter from the task and attempt: the same for every fold, spread across tasks', () => {
    expect(jitterOf('p/t1', 1)).toBe(jitterOf('p/t1', 1));
    const spread = new Set(Array.from({ length: 100 }, (_, i) => jitterOf(`p/t${i}`, 1)));
    expect(spread.size).toBe(100);
    for (const j of spread) expect(j >= 0 && j < 1).toBe(true);
  });

  it("waits at least the worker's retryAfterMs, and never past the contract's longest wait", () => {
    const base = { key: 'p/t', attempt: 1, at: 5000, pool: defaultBackoff, policy: undefined };
    expect(retryDelay({ ...base, retryAfterMs: 20_000 }).readyAt).toBe(25_000);
    expect(retryDelay({ ...base, retryAfterMs: 0 }).readyAt).toBeLessThanOrEqual(6000);
    expect(retryDelay({ ...base, retryAfterMs: TaskLimits.maxRetryDelayMs + 1 }).readyAt).toBe(
      5000 + TaskLimits.maxRetryDelayMs,
    );
  });
});

describe('retries in the fold and the decisions', () => {
  const events = (over: Parameters<typeof failed>[2] = {}, retry = {}) => [
    enrolled('w1'),
    submitted('t1', { maxAttempts: 3, retry: { initialMs: 10_000, maxMs: 10_000, ...retry } }),
    assign('t1'),
    failed('t1', 1, over),
  ];
  const history = (over: Parameters<typeof failed>[2] = {}, retry = {}) =>
    log(events(over, retry), { at });

  it('holds a failed task out of its queue until its backoff is over, then readies it', () => {
    const g = given(history());
    const delay = g.state.delayed[k('t1')];
    // 10 s jittered to 5-10 s after the failure's stream time.
    expect(delay?.readyAt).toBeGreaterThanOrEqual(at(4) + 5000);
    expect(delay?.readyAt).toBeLessThanOrEqual(at(4) + 10_000);
    const readyAt = delay?.readyAt ?? 0;
    expect(whyWaiting(g.state, P.health as never, 't1' as never)).toEqual({
      kind: 'backoff',
      until: readyAt,
      attempt: 1,
    });
    expect(waitReasonText(whyWaiting(g.state, P.health as never, 't1' as never))).toContain(
      'retry backoff after attempt 1 failed',
    );
    // Not before its time: no task.ready, and a claim gets nothing.
    g.when(check(readyAt - 1)).then([]);
    g.when({
      type: 'serve_claims',
      data: { claims: [{ workerId: 'w1', project: P.health, pool: POOL, max: 1 }], budget: 10 },
      meta: { now: readyAt - 1 },
    } as never).then([]);
    g.when(check(readyAt)).then([{ ...ready('t1', 2), meta: { at: readyAt } }]);
  });

  it('queues a readied task for its next attempt', () => {
    const readied = given(log([...events(), ready('t1', 2)]));
    expect(readied.state.delayed).toEqual({});
    expect(Object.keys(readied.state.queues)).toEqual([P.health]);
    const after = given(log([...events(), ready('t1', 2), assign('t1', 2)]));
    expect(after.state.tasks.get(k('t1'))).toMatchObject({ status: 'assigned', attempt: 2 });
    expect(after.state.queues).toEqual({});
  });

  it('takes an assignment in the backoff all the same: logs from before backoff reassign at once', () => {
    const g = given(log([...events(), assign('t1', 2)]));
    expect(g.state.tasks.get(k('t1'))).toMatchObject({ status: 'assigned', attempt: 2 });
    expect(g.state.delayed).toEqual({});
    expect(g.state.rejections.byReason).toEqual({});
  });

  it("honours the worker's retryAfterMs when longer than the backoff", () => {
    const g = given(history({ retryAfterMs: 20_000 }));
    expect(g.state.delayed[k('t1')]?.readyAt).toBe(at(4) + 20_000);
  });

  it('fails at once a failure whose code the task never retries', () => {
    const g = given(history({ code: 'bad_input' }, { nonRetryable: ['bad_input'] }));
    expect(g.state.tasks.get(k('t1'))?.status).toBe('failed');
    expect(g.state.delayed).toEqual({});
    const other = given(history({ code: 'rate_limited' }, { nonRetryable: ['bad_input'] }));
    expect(other.state.tasks.get(k('t1'))?.status).toBe('queued');
  });

  it('uses the pool default backoff when the task sets none', () => {
    const g = given(log([enrolled('w1'), submitted('t1'), assign('t1'), failed('t1', 1)], { at }), {
      retry: { initialMs: 40_000, maxMs: 40_000, multiplier: 2 },
    });
    expect(g.state.delayed[k('t1')]?.readyAt).toBeGreaterThanOrEqual(at(4) + 20_000);
  });

  it('refuses a task.ready of a task that waits for nothing, or for another attempt', () => {
    const stale = given(log([...events(), ready('t1', 3)]));
    expect(stale.state.rejections.recent.at(-1)?.reason).toBe('stale_attempt');
    const none = given(log([enrolled('w1'), submitted('t1'), ready('t1', 1)]));
    expect(none.state.rejections.recent.at(-1)?.reason).toBe('not_delayed');
    expect(none.state.queues).not.toEqual({});
  });

  it('cancels a task in its backoff: it leaves the wait, nothing is readied', () => {
    const g = given(log([...events(), ev('task.cancelled', ref('t1'))]));
    expect(g.state.tasks.get(k('t1'))?.status).toBe('cancelled');
    expect(g.state.delayed).toEqual({});
    expect(g.state.retryPolicies).toEqual({});
    g.when(check(Number.MAX_SAFE_INTEGER)).then([]);
  });
});
