import { describe, expect, it } from 'vitest';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import { given } from '../../test/support/given.ts';
import { waitingReport, whyWaiting } from './why-waiting.ts';
import type { ProjectId, TaskId } from '../../events/index.ts';

const why = (history: Parameters<typeof log>[0], taskId = 't1') =>
  whyWaiting(given(log(history)).state, P.health as ProjectId, taskId as TaskId);

describe('why a task waits', () => {
  it('says when the project has no active worker in the pool', () => {
    expect(why([enrolled('w1', { project: P.fin }), submitted('t1')])).toEqual({
      kind: 'no_workers',
    });
  });

  it('names the requirement no live worker meets', () => {
    const reason = why([
      enrolled('w1', { labels: { vram: 24 } }),
      enrolled('w2', { labels: { vram: 40 }, models: ['llama', 'mistral'] }),
      submitted('t1', {
        requirements: { models: ['llama'], labels: [{ key: 'vram', op: 'gte', value: 80 }] },
      }),
    ]);
    expect(reason).toEqual({ kind: 'unmet', unmet: { kind: 'label', detail: 'vram gte 80' } });
  });

  it('ignores workers that are not active', () => {
    const reason = why([
      enrolled('w1', { models: ['gpt'] }),
      ev('worker.revoked', { workerId: 'w1', project: P.health, pool: POOL }),
      enrolled('w2'),
      submitted('t1', { requirements: { models: ['gpt'] } }),
    ]);
    expect(reason).toMatchObject({ kind: 'unmet', unmet: { kind: 'model' } });
  });

  it('says when requirements are each met somewhere but never together', () => {
    const reason = why([
      enrolled('w1', { models: ['gpt'] }),
      enrolled('w2', { labels: { zone: 'a' } }),
      submitted('t1', {
        requirements: { models: ['gpt'], labels: [{ key: 'zone', op: 'eq', value: 'a' }] },
      }),
    ]);
    expect(reason).toMatchObject({ kind: 'no_single_worker' });
  });

  it('counts eligible workers: busy, or free and about to claim', () => {
    const busy = [
      enrolled('w1'),
      submitted('t0'),
      ev('task.assigned', {
        taskId: 't0',
        project: P.health,
        pool: POOL,
        workerId: 'w1',
        attempt: 1,
        leaseExpiresAt: 9,
      }),
      submitted('t1'),
    ];
    expect(why(busy)).toEqual({ kind: 'workers_busy', eligibleWorkers: 1 });
    expect(why([...busy, enrolled('w2'), enrolled('w3', { models: ['x'] })])).toEqual({
      kind: 'awaiting_claim',
      eligibleWorkers: 2,
      freeWorkers: 1,
    });
  });

  it('reports every waiting group with its size, oldest task and reason', () => {
    const state = given(
      log([
        enrolled('w1'),
        submitted('t1'),
        submitted('t2'),
        submitted('t3', { requirements: { models: ['gpt'] } }),
      ]),
    ).state;
    const report = waitingReport(state);
    expect(report.map((g) => [g.queued, g.oldestSeq, g.reason.kind])).toEqual([
      [2, 2, 'awaiting_claim'],
      [1, 4, 'unmet'],
    ]);
    expect(whyWaiting(state, P.health as ProjectId, 'nope' as TaskId)).toEqual({
      kind: 'not_waiting',
      status: 'unknown',
    });
  });
});
