import { describe, expect, it } from 'vitest';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import { given } from '../../test/support/given.ts';
import { taskKey } from './state.ts';

const k = (taskId: string) => taskKey(P.health, taskId);
const ref = (taskId: string) => ({ taskId, project: P.health, pool: POOL });
const assign = (taskId: string, workerId = 'w1') =>
  ev('task.assigned', { ...ref(taskId), workerId, attempt: 1, leaseExpiresAt: 1_000 });
const deadLettered = (taskId: string) => [
  submitted(taskId, { maxAttempts: 1, payload: { n: 1 } }),
  assign(taskId),
  ev('task.failed', { ...ref(taskId), workerId: 'w1', attempt: 1, error: { message: 'boom' } }),
];
const redriven = (taskId: string, over: { maxAttempts?: number } = {}) =>
  ev('task.redriven', {
    ...ref(taskId),
    requirements: { models: ['llama'] },
    payload: { n: 1 },
    reason: 'fixed',
    ...over,
  });

describe('a redrive', () => {
  it('queues a dead letter with a fresh allowance, its new body, out of the ended records', () => {
    const g = given(
      log([enrolled('w1'), ...deadLettered('t1'), redriven('t1', { maxAttempts: 3 })]),
    );
    // Attempt numbers go on from the last (they fence reports); three more may start.
    expect(g.state.tasks.get(k('t1'))).toMatchObject({
      status: 'queued',
      attempts: 1,
      maxAttempts: 4,
      submittedSeq: 5,
      payload: { n: 1 },
    });
    expect(g.state.endedOrder).toEqual([]);
    expect(Object.keys(g.state.queues)).toEqual([P.health]);
    expect(g.state.rejections.byReason).toEqual({});
  });

  it('redrives a dead letter that left for the ended index', () => {
    const g = given(log([enrolled('w1'), ...deadLettered('t1'), redriven('t1')]), {
      endedTasksKept: 0,
    });
    expect(g.state.tasks.get(k('t1'))).toMatchObject({ status: 'queued', attempts: 1 });
    expect(g.state.ended).toEqual({});
  });

  it('never takes a late report of an attempt before the redrive for one after it', () => {
    const g = given(
      log([
        enrolled('w1'),
        ...deadLettered('t1'),
        redriven('t1'),
        ev('task.assigned', { ...ref('t1'), workerId: 'w1', attempt: 2, leaseExpiresAt: 2_000 }),
        // The worker's report of its attempt before the redrive, sent again late.
        ev('task.completed', { ...ref('t1'), workerId: 'w1', attempt: 1 }),
      ]),
    );
    expect(g.state.tasks.get(k('t1'))).toMatchObject({ status: 'assigned', attempts: 2 });
  });

  it.each([
    ['queued', [submitted('t1')]],
    ['assigned', [submitted('t1'), assign('t1')]],
    [
      'completed',
      [
        submitted('t1'),
        assign('t1'),
        ev('task.completed', { ...ref('t1'), workerId: 'w1', attempt: 1 }),
      ],
    ],
    ['cancelled', [submitted('t1'), ev('task.cancelled', ref('t1'))]],
  ])('refuses a redrive of a %s task, which stays as it was', (status, history) => {
    const g = given(log([enrolled('w1'), ...history, redriven('t1')]));
    expect(g.state.rejections.recent.at(-1)).toMatchObject({
      type: 'task.redriven',
      reason: 'not_dead_lettered',
    });
    expect(g.state.tasks.get(k('t1'))?.status).toBe(status);
  });

  it('refuses a redrive of an unknown task, and of another project’s task of the same id', () => {
    const g = given(
      log([
        enrolled('w1'),
        ...deadLettered('t1'),
        { ...redriven('t1'), data: { ...redriven('t1').data, project: P.fin } } as never,
      ]),
    );
    expect(g.state.rejections.recent.at(-1)?.reason).toBe('unknown_task');
    expect(g.state.tasks.get(k('t1'))?.status).toBe('dead_lettered');
  });
});
