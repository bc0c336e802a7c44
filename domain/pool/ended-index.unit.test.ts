import { describe, expect, it } from 'vitest';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import type { PoolId } from '../../events/index.ts';
import { packEnded, taskAt, unpackEnded } from './ended-index.ts';
import { evolveEntries, evolveEntry } from './evolve-entry.ts';
import { initialState, taskKey } from './state.ts';

const k = (taskId: string) => taskKey(P.health, taskId);
const assign = (taskId: string) =>
  ev('task.assigned', {
    taskId,
    project: P.health,
    pool: POOL,
    workerId: 'w1',
    attempt: 1,
    leaseExpiresAt: 1_000,
  });
const completed = (taskId: string) =>
  ev('task.completed', { taskId, project: P.health, pool: POOL, workerId: 'w1', attempt: 1 });

describe('ended tasks past the kept count', () => {
  it('pack status, attempts and ended sequence into one number exactly', () => {
    for (const t of [
      { status: 'completed', attempts: 1, endedSeq: 1 },
      { status: 'dead_lettered', attempts: 100, endedSeq: 2 ** 43 },
      { status: 'cancelled', attempts: 0, endedSeq: 12_345 },
      { status: 'failed', attempts: 7, endedSeq: 99 },
    ] as const)
      expect(unpackEnded(packEnded(t))).toEqual(t);
  });

  it('leave the working state, yet their status, duplicates and refusals stay as before', () => {
    const s = evolveEntries(
      initialState({ pool: POOL as PoolId, endedTasksKept: 1 }),
      log([enrolled('w1'), submitted('t1'), assign('t1'), completed('t1'), submitted('t2')]),
    );
    expect(s.tasks.get(k('t1'))).toMatchObject({ status: 'completed' });
    const after = evolveEntries(s, log([assign('t2'), completed('t2')], { from: 6 }));
    // t1 left for the index; t2 is the one ended record kept.
    expect(after.tasks.get(k('t1'))).toBeUndefined();
    expect(after.endedOrder).toEqual([k('t2')]);
    expect(taskAt(after, k('t1'))).toMatchObject({ status: 'completed', attempts: 1, endedSeq: 4 });
    const refusal = (e: Parameters<typeof log>[0][number]) =>
      evolveEntry(after, log([e], { from: 8 })[0] as never).verdicts;
    expect(refusal(submitted('t1'))).toEqual([expect.objectContaining({ reason: 'duplicate' })]);
    expect(refusal(completed('t1'))).toEqual([
      expect.objectContaining({ reason: 'task_not_assigned' }),
    ]);
    expect(refusal(ev('task.cancelled', { taskId: 't1', project: P.health, pool: POOL }))).toEqual([
      expect.objectContaining({ reason: 'task_ended' }),
    ]);
  });
});
