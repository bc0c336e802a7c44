import { describe, expect, it } from 'vitest';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import { given } from '../../test/support/given.ts';
import { taskKey } from './state.ts';

const k = (taskId: string) => taskKey(P.health, taskId);
const ref = (taskId: string) => ({ taskId, project: P.health, pool: POOL });
const body = { payload: { b: 2, a: 1 }, priority: 3, retry: { initialMs: 5 } };
const done = (taskId: string) => [
  ev('task.assigned', { ...ref(taskId), workerId: 'w1', attempt: 1, leaseExpiresAt: 1_000 }),
  ev('task.completed', { ...ref(taskId), workerId: 'w1', attempt: 1 }),
];
const last = (s: { rejections: { recent: { reason: string; detail: string }[] } }) =>
  s.rejections.recent.at(-1);

describe('a resubmission of an id', () => {
  it('with the same body (whatever its key order) is a no-op that says so', () => {
    const g = given(
      log([submitted('t1', body), submitted('t1', { ...body, payload: { a: 1, b: 2 } })]),
    );
    expect(last(g.state)).toMatchObject({
      reason: 'duplicate',
      detail: 'task t1 exists with the same body: nothing to do',
    });
    expect(g.state.resubmissions[k('t1')]).toMatchObject({ seq: 2, reason: 'duplicate' });
    expect(g.state.tasks.get(k('t1'))).toMatchObject({ status: 'queued', submittedSeq: 1 });
  });

  it('with another body is refused as a conflict naming what differs, the task unchanged', () => {
    const g = given(
      log([submitted('t1', body), submitted('t1', { ...body, priority: 4, payload: {} })]),
    );
    expect(last(g.state)).toMatchObject({
      reason: 'conflict',
      detail: 'task t1 exists with another body (priority, payload differ): refused',
    });
    expect(g.state.tasks.get(k('t1'))).toMatchObject({ priority: 3, payload: { b: 2, a: 1 } });
    expect(g.state.refusedTasks).toEqual({});
  });

  it('of an ended task is compared by the digest it kept', () => {
    const history = [enrolled('w1'), submitted('t1', body), ...done('t1')];
    const same = given(log([...history, submitted('t1', body)]));
    expect(last(same.state)?.reason).toBe('duplicate');
    const other = given(log([...history, submitted('t1', { ...body, payload: null })]));
    expect(last(other.state)).toMatchObject({
      reason: 'conflict',
      detail: 'task t1 exists with another body: refused',
    });
    expect(other.state.tasks.get(k('t1'))?.status).toBe('completed');
  });

  it('compares what it declared of its spend, live or ended', () => {
    const spend = { ...body, maxSpend: { usd: 2 }, onLimit: 'fail' as const };
    const live = given(
      log([submitted('t1', spend), submitted('t1', { ...spend, maxSpend: { usd: 3 } })]),
    );
    expect(last(live.state)).toMatchObject({
      reason: 'conflict',
      detail: 'task t1 exists with another body (maxSpend differ): refused',
    });
    const loose = given(log([submitted('t1', spend), submitted('t1', body)]));
    expect(last(loose.state)?.detail).toContain('(maxSpend, onLimit differ)');
    const history = [enrolled('w1'), submitted('t1', spend), ...done('t1')];
    expect(last(given(log([...history, submitted('t1', spend)])).state)?.reason).toBe('duplicate');
    expect(last(given(log([...history, submitted('t1', body)])).state)?.reason).toBe('conflict');
  });

  it('of a task that left for the ended index says it can no longer compare, and changes nothing', () => {
    const g = given(
      log([enrolled('w1'), submitted('t1', body), ...done('t1'), submitted('t1', {})]),
      {
        endedTasksKept: 0,
      },
    );
    expect(last(g.state)).toMatchObject({
      reason: 'duplicate',
      detail: 'task t1 exists (ended; its body is no longer kept to compare): nothing done',
    });
    expect(g.state.digests).toEqual({});
  });

  it('is remembered for the latest few ids only', () => {
    const ids = ['a', 'b', 'c', 'd'];
    const g = given(log([...ids.map((id) => submitted(id)), ...ids.map((id) => submitted(id))]), {
      refusedTasksKept: 2,
    });
    expect(Object.keys(g.state.resubmissions)).toEqual([k('c'), k('d')]);
  });
});
