import { describe, expect, it } from 'vitest';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import { given } from '../../test/support/given.ts';
import { taskKey } from './state.ts';

const k = (taskId: string, project: string = P.health) => taskKey(project, taskId);
import type { LogEntry } from '../../events/index.ts';
import { evolveEntry, evolveEntries } from './evolve-entry.ts';
import { initialState } from './state.ts';
import type { DispatchState } from './state.ts';

const assign = (taskId: string, workerId: string, attempt = 1, project: string = P.health) =>
  ev('task.assigned', { taskId, project, pool: POOL, workerId, attempt, leaseExpiresAt: 1_000 });
const completed = (taskId: string, workerId: string, attempt = 1, project: string = P.health) =>
  ev('task.completed', { taskId, project, pool: POOL, workerId, attempt });
const failed = (taskId: string, workerId: string, attempt: number, retryable: boolean) =>
  ev('task.failed', {
    taskId,
    project: P.health,
    pool: POOL,
    workerId,
    attempt,
    retryable,
    error: { message: 'boom' },
  });
const worker = (type: 'worker.draining' | 'worker.left' | 'worker.revoked', workerId: string) =>
  ev(type, { workerId, project: P.health, pool: POOL });
const lost = (workerId: string) =>
  ev('worker.lost', { workerId, project: P.health, pool: POOL, lastSeenAt: 0 });
const requeued = (
  taskId: string,
  attempt: number,
  reason: 'lease_expired' | 'worker_lost' | 'worker_revoked' | 'worker_left',
) => ev('task.requeued', { taskId, project: P.health, pool: POOL, attempt, reason });

/** The last refusal's reason, or undefined when the last entry took effect. */
const lastRefusal = (s: DispatchState) => {
  const r = s.rejections.recent.at(-1);
  return r?.seq === s.position ? r.reason : undefined;
};

describe('the fold', () => {
  it('queues a submission and makes an assignment effective', () => {
    given(log([enrolled('w1'), submitted('t1'), assign('t1', 'w1')])).thenState((s) => {
      expect(s.tasks.get(k('t1'))).toMatchObject({
        status: 'assigned',
        workerId: 'w1',
        attempt: 1,
      });
      expect(s.workers['w1']?.held).toEqual([k('t1')]);
      expect(s.queues).toEqual({});
      expect(s.rejections.byReason).toEqual({});
    });
  });

  it.each<[string, LogEntry[], string]>([
    ['a duplicate submission', log([submitted('t1'), submitted('t1')]), 'duplicate'],
    ['a task of another pool', log([submitted('t1', { pool: 'cpu' })]), 'wrong_pool'],
    ['an assignment of an unknown task', log([enrolled('w1'), assign('t9', 'w1')]), 'unknown_task'],
    [
      'an assignment to an unknown worker',
      log([submitted('t1'), assign('t1', 'w9')]),
      'unknown_worker',
    ],
    [
      'an assignment across projects',
      log([enrolled('w1', { project: P.fin }), submitted('t1'), assign('t1', 'w1')]),
      'cross_project',
    ],
    [
      'an assignment naming the worker’s project for another project’s task',
      log([enrolled('w1'), submitted('t1', { project: P.fin }), assign('t1', 'w1')]),
      'unknown_task',
    ],
    [
      'a double assignment',
      log([
        enrolled('w1', { capacity: 2 }),
        submitted('t1'),
        assign('t1', 'w1'),
        assign('t1', 'w1', 2),
      ]),
      'task_not_queued',
    ],
    [
      'a wrong attempt number',
      log([enrolled('w1'), submitted('t1'), assign('t1', 'w1', 2)]),
      'stale_attempt',
    ],
    [
      'an assignment to a draining worker',
      log([enrolled('w1'), worker('worker.draining', 'w1'), submitted('t1'), assign('t1', 'w1')]),
      'worker_not_active',
    ],
    [
      'an assignment to a revoked worker',
      log([enrolled('w1'), worker('worker.revoked', 'w1'), submitted('t1'), assign('t1', 'w1')]),
      'worker_not_active',
    ],
    [
      'an assignment beyond capacity',
      log([
        enrolled('w1'),
        submitted('t1'),
        submitted('t2'),
        assign('t1', 'w1'),
        assign('t2', 'w1'),
      ]),
      'no_capacity',
    ],
    [
      'an assignment to a worker that lacks the model',
      log([enrolled('w1', { models: ['mistral'] }), submitted('t1'), assign('t1', 'w1')]),
      'constraint_unmet',
    ],
    [
      'a report for a stale attempt',
      log([
        enrolled('w1'),
        submitted('t1'),
        assign('t1', 'w1'),
        requeued('t1', 1, 'lease_expired'),
        assign('t1', 'w1', 2),
        completed('t1', 'w1', 1),
      ]),
      'stale_attempt',
    ],
    [
      'a report by a worker that does not hold the attempt',
      log([
        enrolled('w1'),
        enrolled('w2'),
        submitted('t1'),
        assign('t1', 'w1'),
        completed('t1', 'w2'),
      ]),
      'not_holder',
    ],
    [
      'a report forged for another project’s task',
      log([
        enrolled('w1'),
        enrolled('w2', { project: P.fin }),
        submitted('t1'),
        assign('t1', 'w1'),
        completed('t1', 'w2', 1, P.fin),
      ]),
      // Task ids are per project: fin-prod has no task t1, and learns nothing of health-prod's.
      'unknown_task',
    ],
    [
      'a late report from a lost worker',
      log([enrolled('w1'), submitted('t1'), assign('t1', 'w1'), lost('w1'), completed('t1', 'w1')]),
      'worker_not_active',
    ],
    [
      'a report for a queued task',
      log([enrolled('w1'), submitted('t1'), completed('t1', 'w1')]),
      'task_not_assigned',
    ],
    [
      'a requeue claiming a lost worker that is alive',
      log([enrolled('w1'), submitted('t1'), assign('t1', 'w1'), requeued('t1', 1, 'worker_lost')]),
      'reason_unfounded',
    ],
    [
      'a dead-letter while attempts remain',
      log([
        enrolled('w1'),
        submitted('t1'),
        assign('t1', 'w1'),
        lost('w1'),
        ev('task.dead_lettered', {
          taskId: 't1',
          project: P.health,
          pool: POOL,
          attempt: 1,
          reason: 'worker_lost',
        }),
      ]),
      'attempts_remain',
    ],
    [
      'a revived lost worker',
      log([enrolled('w1'), lost('w1'), worker('worker.draining', 'w1')]),
      'invalid_transition',
    ],
    ['a second enrollment', log([enrolled('w1'), enrolled('w1')]), 'duplicate'],
    [
      'a cancellation of an ended task',
      log([
        enrolled('w1'),
        submitted('t1'),
        assign('t1', 'w1'),
        completed('t1', 'w1'),
        ev('task.cancelled', { taskId: 't1', project: P.health, pool: POOL }),
      ]),
      'task_ended',
    ],
  ])('refuses %s, changing nothing but the count', (_name, entries, reason) => {
    const before = evolveEntries(initialState({ pool: POOL as never }), entries.slice(0, -1));
    const after = evolveEntries(before, entries.slice(-1));
    expect(lastRefusal(after)).toBe(reason);
    expect(after.rejections.byReason[reason]).toBe((before.rejections.byReason[reason] ?? 0) + 1);
    // Refusals are recorded: their counts, the latest ones, the latest resubmission of an id;
    // and the pool's clock moves to the stream time of every event (forget-ended.ts).
    const strip = ({
      position: _p,
      rejections: _r,
      resubmissions: _s,
      forgetting: { clock: _c, ...ended },
      ...rest
    }: DispatchState) => ({ ...rest, ended });
    expect(strip(after)).toEqual(strip(before));
  });

  it('lets two projects use the same task id without ever meeting', () => {
    given(log([submitted('t1'), submitted('t1', { project: P.fin })])).thenState((s) => {
      expect(s.tasks.get(k('t1'))?.demand.project).toBe(P.health);
      expect(s.tasks.get(k('t1', P.fin))?.demand.project).toBe(P.fin);
      expect(s.rejections.byReason).toEqual({});
    });
  });

  it('accepts a lease-expiry requeue only once the lease is over, by the stream clock', () => {
    const history = [enrolled('w1'), submitted('t1'), assign('t1', 'w1')];
    const early = evolveEntries(initialState({ pool: POOL as never, clockSkewMs: 0 }), [
      ...log(history),
      ...log([requeued('t1', 1, 'lease_expired')], { from: 4, at: () => 999 }),
    ]);
    expect(lastRefusal(early)).toBe('reason_unfounded');
    const late = evolveEntries(initialState({ pool: POOL as never, clockSkewMs: 0 }), [
      ...log(history),
      ...log([requeued('t1', 1, 'lease_expired')], { from: 4, at: () => 1_000 }),
    ]);
    expect(late.tasks.get(k('t1'))).toMatchObject({ status: 'queued', attempts: 1 });
    expect(late.workers['w1']?.held).toEqual([]);
  });

  it('retries a retryable failure while attempts remain, then dead-letters it', () => {
    given(
      log([
        enrolled('w1'),
        submitted('t1', { maxAttempts: 2 }),
        assign('t1', 'w1'),
        failed('t1', 'w1', 1, true),
      ]),
    ).thenState((s) => {
      expect(s.tasks.get(k('t1'))).toMatchObject({ status: 'queued', attempts: 1 });
      // It waits out its backoff in no queue, until a task.ready.
      expect(s.delayed[k('t1')]).toBeDefined();
      expect(s.queues).toEqual({});
    });
    given(
      log([
        enrolled('w1'),
        submitted('t1', { maxAttempts: 2 }),
        assign('t1', 'w1'),
        failed('t1', 'w1', 1, true),
        ev('task.ready', { taskId: 't1', project: P.health, pool: POOL, attempt: 2 }),
        assign('t1', 'w1', 2),
        failed('t1', 'w1', 2, true),
      ]),
    ).thenState((s) =>
      expect(s.tasks.get(k('t1'))).toMatchObject({ status: 'dead_lettered', attempts: 2 }),
    );
  });

  it('fails a non-retryable failure at once', () => {
    given(
      log([enrolled('w1'), submitted('t1'), assign('t1', 'w1'), failed('t1', 'w1', 1, false)]),
    ).thenState((s) => expect(s.tasks.get(k('t1'))?.status).toBe('failed'));
  });

  it('accepts reports from a draining worker: it finishes what it holds', () => {
    given(
      log([
        enrolled('w1'),
        submitted('t1'),
        assign('t1', 'w1'),
        worker('worker.draining', 'w1'),
        completed('t1', 'w1'),
      ]),
    ).thenState((s) => {
      expect(s.tasks.get(k('t1'))?.status).toBe('completed');
      expect(s.workers['w1']?.status).toBe('draining');
    });
  });

  it('cancels queued and assigned tasks, freeing the holder', () => {
    const cancel = (taskId: string) =>
      ev('task.cancelled', { taskId, project: P.health, pool: POOL });
    given(
      log([
        enrolled('w1'),
        submitted('t1'),
        submitted('t2'),
        assign('t1', 'w1'),
        cancel('t1'),
        cancel('t2'),
      ]),
    ).thenState((s) => {
      expect(s.tasks.get(k('t1'))?.status).toBe('cancelled');
      expect(s.tasks.get(k('t2'))?.status).toBe('cancelled');
      expect(s.workers['w1']?.held).toEqual([]);
      expect(s.queues).toEqual({});
    });
  });

  it('puts a requeued task back in its place by age, not at the back', () => {
    given(
      log([
        enrolled('w1'),
        submitted('t1'),
        assign('t1', 'w1'),
        submitted('t2'),
        submitted('t3'),
        lost('w1'),
        requeued('t1', 1, 'worker_lost'),
      ]),
    ).thenState((s) => {
      const queue = Object.values(s.queues[P.health] ?? {})[0];
      expect(queue?.['0']).toEqual([k('t1'), k('t2'), k('t3')]);
    });
  });

  it('applies every event of a batch message, and counts unreadable messages', () => {
    const entries: LogEntry[] = [
      { seq: 1, at: 1, events: [submitted('t1'), submitted('t2')] },
      { seq: 2, at: 2, refused: { code: 'malformed_json', message: 'body is not UTF-8 JSON' } },
    ];
    given(entries).thenState((s) => {
      expect([...s.tasks.keys()]).toEqual([k('t1'), k('t2')]);
      expect(s.rejections.byReason).toEqual({ unreadable: 1 });
      expect(s.position).toBe(2);
    });
  });

  it('is idempotent under replay: an entry at or before the position changes nothing', () => {
    const entries = log([enrolled('w1'), submitted('t1')]);
    const once = evolveEntries(initialState({ pool: POOL as never }), entries);
    const twice = evolveEntries(once, entries);
    expect(twice).toBe(once);
  });

  it('gives the same state through immer and in place', () => {
    const entries = log([
      enrolled('w1'),
      submitted('t1'),
      assign('t1', 'w1'),
      completed('t1', 'w1'),
    ]);
    const pure = entries.reduce(
      (s, e) => evolveEntry(s, e).state,
      initialState({ pool: POOL as never }),
    );
    expect(pure).toEqual(evolveEntries(initialState({ pool: POOL as never }), entries));
    expect(Object.isFrozen(pure)).toBe(true);
  });
});
