import { describe, expect, it } from 'vitest';
import { CheckLiveness } from '../../events/index.ts';
import type { DispatchCommand, EventOf, FleetEvent, LogEntry } from '../../events/index.ts';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import { given } from '../../test/support/given.ts';
import { audit } from '../../projections/audit/index.ts';
import { subjectOf } from '../../projections/spec-log.ts';
import { evolveEntries } from './evolve-entry.ts';
import { taskKey } from './state.ts';
import type { DispatchState } from './state.ts';

const ref = { taskId: 't1', project: P.health, pool: POOL };
const key = taskKey(P.health, 't1');
const check = (now: number): DispatchCommand =>
  CheckLiveness.parse({
    type: 'check_liveness',
    data: { lastSeen: { w1: now }, graceFrom: 0 },
    meta: { now },
  });
const timedOut = (events: FleetEvent[]) =>
  events.filter((e): e is EventOf<'task.timed_out'> => e.type === 'task.timed_out');
const timeout = (deadline: 'schedule_to_start' | 'start_to_close' | 'deadline', attempt = 0) =>
  ev('task.timed_out', { ...ref, attempt, deadline });
/** Entries at a stream time of their own: `[event, at]`. */
const at = (pairs: [FleetEvent, number][], from = 1): LogEntry[] =>
  pairs.map(([e, t], i) => ({ seq: from + i, at: t, events: [e] }));
const statusOf = (s: DispatchState) => s.tasks.get(key)?.status;

describe('schedule-to-start', () => {
  const history = at([
    [enrolled('w1'), 100],
    [submitted('t1', { deadlines: { scheduleToStartMs: 5_000 } }), 1_000],
  ]);

  it('times out a task no worker started in time, and only then', () => {
    expect(timedOut(given(history).when(check(5_999)).events)).toEqual([]);
    expect(timedOut(given(history).when(check(6_000)).events)).toEqual([
      { ...timeout('schedule_to_start'), meta: { at: 6_000 } },
    ]);
  });

  it('ends the task timed_out in the fold, which refuses a timeout before its time', () => {
    const early = evolveEntries(
      given(history).state,
      at([[timeout('schedule_to_start'), 3_000]], 3),
    );
    expect(statusOf(early)).toBe('queued');
    expect(early.rejections.byReason).toEqual({ reason_unfounded: 1 });
    const due = evolveEntries(given(history).state, at([[timeout('schedule_to_start'), 6_000]], 3));
    expect(statusOf(due)).toBe('timed_out');
    expect(due.deadlines).toEqual({});
    // Out of its queue too: nothing left to serve.
    expect(JSON.stringify(due.queues)).not.toContain('t1');
  });

  it('no longer applies once an attempt started; a claim does not start an expired task', () => {
    const assigned = ev('task.assigned', {
      ...ref,
      workerId: 'w1',
      attempt: 1,
      leaseExpiresAt: 90_000,
    });
    const started = [...history, ...at([[assigned, 2_000]], 3)];
    expect(timedOut(given(started).when(check(60_000)).events)).toEqual([]);
    const late = given(history).when({
      type: 'serve_claims',
      data: {
        claims: [{ workerId: 'w1', project: P.health, pool: POOL, max: 1 }] as never,
        budget: 10,
      },
      meta: { now: 6_000 },
    }).events;
    expect(late).toEqual([]);
  });
});

describe('start-to-close', () => {
  const start = (maxAttempts: number) => [
    ...at([
      [enrolled('w1'), 100],
      [submitted('t1', { maxAttempts, deadlines: { startToCloseMs: 2_000 } }), 1_000],
      [ev('task.assigned', { ...ref, workerId: 'w1', attempt: 1, leaseExpiresAt: 61_000 }), 1_000],
    ]),
  ];

  it('fails the running attempt past it: the task waits out its backoff, then runs again', () => {
    expect(timedOut(given(start(3)).when(check(2_999)).events)).toEqual([]);
    expect(timedOut(given(start(3)).when(check(3_000)).events)).toEqual([
      { ...timeout('start_to_close', 1), meta: { at: 3_000 } },
    ]);
    const s = evolveEntries(given(start(3)).state, at([[timeout('start_to_close', 1), 3_000]], 4));
    expect(statusOf(s)).toBe('queued');
    expect(s.delayed[key]).toMatchObject({ attempt: 1, since: 3_000 });
    expect(s.workers.w1?.held).toEqual([]);
    // The next attempt gets its own clock.
    const again = evolveEntries(
      s,
      at(
        [
          [ev('task.ready', { ...ref, attempt: 2 }), 9_000],
          [
            ev('task.assigned', { ...ref, workerId: 'w1', attempt: 2, leaseExpiresAt: 70_000 }),
            10_000,
          ],
        ],
        5,
      ),
    );
    expect(again.deadlines[key]?.closeBy).toBe(12_000);
  });

  it('ends the task timed_out after its last attempt', () => {
    const s = evolveEntries(given(start(1)).state, at([[timeout('start_to_close', 1), 3_000]], 4));
    expect(statusOf(s)).toBe('timed_out');
  });

  it('refuses a late report of the timed-out attempt', () => {
    const s = evolveEntries(
      given(start(3)).state,
      at(
        [
          [timeout('start_to_close', 1), 3_000],
          [ev('task.completed', { ...ref, workerId: 'w1', attempt: 1 }), 3_100],
        ],
        4,
      ),
    );
    expect(s.rejections.byReason).toEqual({ task_not_assigned: 1 });
  });
});

describe('the overall deadline', () => {
  it('ends a queued or running task at its time, whatever its state', () => {
    const history = at([
      [enrolled('w1'), 100],
      [submitted('t1', { deadlines: { deadlineAt: 8_000 } }), 1_000],
      [ev('task.assigned', { ...ref, workerId: 'w1', attempt: 1, leaseExpiresAt: 61_000 }), 1_000],
    ]);
    expect(timedOut(given(history).when(check(7_999)).events)).toEqual([]);
    expect(timedOut(given(history).when(check(8_000)).events)).toEqual([
      { ...timeout('deadline', 1), meta: { at: 8_000 } },
    ]);
    const s = evolveEntries(given(history).state, at([[timeout('deadline', 1), 8_000]], 4));
    expect(statusOf(s)).toBe('timed_out');
    expect(s.workers.w1?.held).toEqual([]);
    // Waiting out a backoff, it ends too, and leaves the waiting tasks.
    const failed = ev('task.failed', {
      ...ref,
      workerId: 'w1',
      attempt: 1,
      error: { message: 'x' },
    });
    const waiting = evolveEntries(given(history).state, at([[failed, 2_000]], 4));
    expect(waiting.delayed[key]).toBeDefined();
    const ended = evolveEntries(waiting, at([[timeout('deadline', 1), 8_000]], 5));
    expect(statusOf(ended)).toBe('timed_out');
    expect(ended.delayed).toEqual({});
  });

  it('refuses a submission whose deadline is not after its stream time, or too far, for its producer', () => {
    const past = given(at([[submitted('t1', { deadlines: { deadlineAt: 1_000 } }), 1_000]])).state;
    expect(statusOf(past)).toBeUndefined();
    expect(past.rejections.byReason).toEqual({ deadline_invalid: 1 });
    expect(past.refusedTasks[key]?.reason).toMatch(/is not after the submission/);
    const far = given(
      at([[submitted('t1', { deadlines: { deadlineAt: 1_000 + 31 * 24 * 3_600_000 } }), 1_000]]),
    ).state;
    expect(far.rejections.byReason).toEqual({ deadline_invalid: 1 });
  });

  it('is part of the body: the same deadlines are a duplicate, others a conflict', () => {
    const first = submitted('t1', { deadlines: { scheduleToStartMs: 5_000 } });
    const same = given(
      at([
        [first, 1_000],
        [first, 1_500],
      ]),
    ).state;
    expect(same.resubmissions[key]?.reason).toBe('duplicate');
    const other = submitted('t1', { deadlines: { scheduleToStartMs: 6_000 } });
    const differ = given(
      at([
        [first, 1_000],
        [other, 1_500],
      ]),
    ).state;
    expect(differ.resubmissions[key]?.reason).toBe('conflict');
  });
});

it('leaves no deadlines behind for tasks that ended', () => {
  const s = given(
    log([
      enrolled('w1'),
      submitted('t1', { deadlines: { startToCloseMs: 1_000, deadlineAt: 1_000_000 } }),
    ]),
  ).state;
  expect(Object.keys(s.deadlines)).toEqual([key]);
  const cancelled = evolveEntries(s, log([ev('task.cancelled', ref)], { from: 3 }));
  expect(cancelled.deadlines).toEqual({});
});

describe('the audit of timeouts', () => {
  const items = (pairs: [FleetEvent, number][]) =>
    pairs.map(([e, t], i) => ({
      subject: subjectOf(e),
      seq: i + 1,
      at: t,
      entry: { seq: i + 1, at: t, events: [e] },
    }));
  const task = submitted('t1', { deadlines: { scheduleToStartMs: 5_000 } });

  it('accepts a timeout once its deadline ran out, and flags one before', async () => {
    const ok = await audit(
      items([
        [task, 1_000],
        [timeout('schedule_to_start'), 6_000],
      ]),
    );
    expect(ok.violations).toEqual([]);
    expect(ok.counts.tasks).toMatchObject({ timed_out: 1 });
    const early = await audit(
      items([
        [task, 1_000],
        [timeout('schedule_to_start'), 3_000],
      ]),
    );
    expect(early.violations.map((v) => v.kind)).toEqual(['unfounded_timeout']);
    const unasked = await audit(
      items([
        [submitted('t1'), 1_000],
        [timeout('deadline'), 9_000],
      ]),
    );
    expect(unasked.violations.map((v) => v.kind)).toEqual(['unfounded_timeout']);
  });

  it('refuses a submission whose deadline is past, as the fold does', async () => {
    const past = submitted('t1', { deadlines: { deadlineAt: 500 } });
    const r = await audit(items([[past, 1_000]]));
    expect(r.counts.noEffect).toMatchObject({ deadline_invalid: 1 });
  });
});
