import { produce } from 'immer';
import { describe, expect, it } from 'vitest';
import { evolveEntries, initialState } from '../../domain/pool/index.ts';
import type { PoolId, ProjectId } from '../../events/index.ts';
import { enrolled, ev, P, POOL, submitted } from '../../test/support/builders.ts';
import { DEFAULT_PRICE_TABLE } from '../costs/price-table.ts';
import type { FoldItem } from '../fold-item.ts';
import type { Scope } from '../scope.ts';
import { specLog } from '../spec-log.ts';
import { foldFleet, fleetStateRecipe } from './fold-fleet.ts';
import { fleetView } from './fleet-view.ts';
import { initialFleetState } from './state.ts';
import type { FleetState } from './state.ts';

const ref = { project: P.health, pool: POOL };
const assigned = (taskId: string, workerId: string, attempt = 1, project: string = P.health) =>
  ev('task.assigned', { taskId, project, pool: POOL, workerId, attempt, leaseExpiresAt: 10 ** 12 });
const completed = (taskId: string, workerId: string, attempt = 1, project: string = P.health) =>
  ev('task.completed', { taskId, project, pool: POOL, workerId, attempt });

const fold = (items: readonly FoldItem[]): FleetState => {
  const s = initialFleetState();
  for (const item of items) foldFleet(s, item);
  return s;
};
const operator: Scope = { kind: 'operator' };
const view = (s: FleetState, now: number, scope: Scope = operator) =>
  fleetView(s, { scope, now, priceTable: DEFAULT_PRICE_TABLE });

describe('fleet-state: workers', () => {
  it('shows each worker’s activity, load and when the log last saw it', () => {
    const items = specLog([
      enrolled('w1', { capacity: 2 }), // 1000
      enrolled('w2'), // 2000
      enrolled('w3'), // 3000
      enrolled('w4'), // 4000
      enrolled('w5'), // 5000
      [submitted('t1'), submitted('t2')], // 6000
      assigned('t1', 'w1'), // 7000
      ev('worker.draining', { workerId: 'w3', ...ref }), // 8000
      ev('worker.left', { workerId: 'w3', ...ref }), // 9000
      ev('worker.lost', { workerId: 'w4', ...ref, lastSeenAt: 4000 }), // 10000
      ev('worker.revoked', { workerId: 'w5', ...ref }), // 11000
    ]);
    const v = view(fold(items), 20_000);
    const by = Object.fromEntries(v.workers.map((w) => [w.workerId, w]));
    expect(by['w1']).toMatchObject({
      status: 'busy',
      held: 1,
      capacity: 2,
      load: 0.5,
      lastSeenAt: 7000,
    });
    expect(by['w2']).toMatchObject({ status: 'idle', held: 0, load: 0, lastSeenAt: 2000 });
    expect(by['w3']).toMatchObject({ status: 'left', lastSeenAt: 9000 });
    // Lost and revoked are others' verdicts: the worker itself was last seen at enrollment.
    expect(by['w4']).toMatchObject({ status: 'lost', lastSeenAt: 4000 });
    expect(by['w5']).toMatchObject({ status: 'revoked', lastSeenAt: 5000 });
    expect(v.totals.workers).toEqual({
      idle: 1,
      busy: 1,
      draining: 0,
      lost: 1,
      revoked: 1,
      left: 1,
    });
    expect(v.totals).toMatchObject({ held: 1, capacity: 3 });
    expect(v.workerGroups).toContainEqual({
      project: P.health,
      pool: POOL,
      runtime: 'process',
      status: 'idle',
      workers: 1,
      held: 0,
      capacity: 1,
    });
  });

  it('refuses what the dispatcher refuses: a foreign worker gets nothing, a stale report changes nothing', () => {
    const items = specLog([
      enrolled('w1'),
      enrolled('wf', { project: P.fin }),
      submitted('t1'),
      assigned('t1', 'wf'), // a health task to a fin worker: cross-project
      assigned('t1', 'w1'),
      completed('t1', 'w1'),
      completed('t1', 'w1'), // stale: already completed
      completed('t1', 'wf', 1, P.fin), // forged, on fin's subject: no such task there
    ]);
    const s = initialFleetState();
    const verdicts = items.map((item) => foldFleet(s, item));
    expect(verdicts[3]).toEqual([
      {
        kind: 'refused',
        reason: 'cross_project',
        detail: expect.stringContaining('fin-prod') as unknown,
      },
    ]);
    expect(verdicts[4]).toEqual([{ kind: 'applied', from: 'queued', to: 'assigned' }]);
    expect(verdicts[5]).toEqual([{ kind: 'applied', from: 'assigned', to: 'completed' }]);
    expect(verdicts[6]).toMatchObject([{ kind: 'refused', reason: 'task_not_assigned' }]);
    expect(verdicts[7]).toMatchObject([{ kind: 'refused', reason: 'unknown_task' }]);
    expect(view(s, 10_000).totals.tasks).toMatchObject({ completed: 1, assigned: 0, queued: 0 });
    // The pool's state is exactly the dispatcher's fold of the pool's messages.
    expect(s.pools[POOL]).toEqual(
      evolveEntries(
        initialState({ pool: POOL as PoolId }),
        items.map((i) => i.entry),
      ),
    );
  });

  it('records an unreadable message in its pool as the dispatcher does, even the first one', () => {
    const items = specLog([
      {
        unreadable: {
          subject: 'fleet.health-prod.gpu.submit',
          code: 'malformed_json',
          project: P.health,
          taskId: 'tx',
        },
      },
      enrolled('w1'),
    ]);
    const s = fold(items);
    expect(s.pools[POOL]).toEqual(
      evolveEntries(
        initialState({ pool: POOL as PoolId }),
        items.map((i) => i.entry),
      ),
    );
    expect(s.pools[POOL]?.refusedTasks).toHaveProperty(['health-prod/tx']);
  });

  it('judges each event of a batch on its own', () => {
    const s = fold(specLog([enrolled('w1', { capacity: 1 }), [submitted('t1'), submitted('t2')]]));
    const [item] = specLog([[assigned('t1', 'w1'), assigned('t2', 'w1')]], { from: 3 });
    if (item === undefined) throw new Error('no item');
    expect(foldFleet(s, item)).toEqual([
      { kind: 'applied', from: 'queued', to: 'assigned' },
      { kind: 'refused', reason: 'no_capacity', detail: 'worker holds 1' },
    ]);
    expect(foldFleet(s, item)).toEqual([]); // folded already
  });
});

describe('fleet-state: queues and tasks', () => {
  it('counts tasks by status and ages the oldest queued one by its submission’s stream time', () => {
    const items = specLog([
      enrolled('w1'), // 1000
      [submitted('t1'), submitted('t2')], // 2000
      submitted('t3', { priority: 5 }), // 3000
      assigned('t3', 'w1'), // 4000
      completed('t3', 'w1'), // 5000
      assigned('t1', 'w1'), // 6000
      ev('task.cancelled', { taskId: 't1', ...ref }), // 7000
    ]);
    const at5 = view(fold(items.slice(0, 5)), 10_000);
    expect(at5.pools).toEqual([
      expect.objectContaining({
        project: P.health,
        pool: POOL,
        queued: 2,
        oldestQueuedAt: 2000,
        oldestQueuedAgeMs: 8000,
        tasks: {
          queued: 2,
          assigned: 0,
          completed: 1,
          failed: 0,
          cancelled: 0,
          dead_lettered: 0,
          timed_out: 0,
        },
      }),
    ]);
    const all = fold(items);
    const v = view(all, 10_000);
    expect(v.pools[0]).toMatchObject({ queued: 1, oldestQueuedAt: 2000 });
    expect(v.totals.tasks).toMatchObject({ queued: 1, completed: 1, cancelled: 1 });
    // Submissions with no live task left are forgotten.
    expect(Object.keys(all.submissions[POOL] ?? {})).toEqual(['2']);
  });

  it('explains why each group waits: the unmet constraint, or how many eligible workers are busy', () => {
    const items = specLog([
      enrolled('w1', { models: ['llama'] }),
      enrolled('wf', { project: P.fin, models: ['gpt'] }),
      submitted('t1'),
      assigned('t1', 'w1'),
      [submitted('t2'), submitted('t3', { requirements: { models: ['gpt'] } })],
      submitted('f1', { project: P.fin, requirements: { models: ['llama'] } }),
    ]);
    const v = view(fold(items), 9000);
    expect(v.waiting.map((w) => [w.project, w.queued, w.reason])).toEqual([
      [
        P.fin,
        1,
        {
          kind: 'unmet',
          unmet: { kind: 'model', detail: expect.stringContaining('llama') as unknown },
        },
      ],
      [P.health, 1, { kind: 'workers_busy', eligibleWorkers: 1 }],
      // fin's gpt worker does not count for health: it is another project's.
      [
        P.health,
        1,
        {
          kind: 'unmet',
          unmet: { kind: 'model', detail: expect.stringContaining('gpt') as unknown },
        },
      ],
    ]);
    expect(v.waiting[1]).toMatchObject({
      oldestSeq: 5,
      oldestSubmittedAt: 5000,
      oldestAgeMs: 4000,
    });
  });

  it('counts accepted reports of the last minute of stream time', () => {
    const items = specLog(
      [
        enrolled('w1', { capacity: 3 }),
        [submitted('t1'), submitted('t2'), submitted('t3')],
        [assigned('t1', 'w1'), assigned('t2', 'w1'), assigned('t3', 'w1')],
        completed('t1', 'w1'), // at 100 s
        completed('t2', 'w1'), // at 130 s
        ev('task.failed', {
          taskId: 't3',
          ...ref,
          workerId: 'w1',
          attempt: 1,
          error: { message: 'x' },
        }),
      ],
      { at: (seq) => [0, 1000, 2000, 3000, 100_000, 130_000, 140_000][seq] ?? 0 },
    );
    const s = fold(items);
    expect(view(s, 165_000).throughput).toEqual({
      windowMs: 60_000,
      completed: 1,
      failed: 1,
      perSecond: 1 / 60,
      byPool: [{ project: P.health, pool: POOL, completed: 1, failed: 1 }],
    });
    expect(view(s, 500_000).throughput.completed).toBe(0);
  });
});

describe('fleet-state: scope and immer', () => {
  it('shows a project only its own workers, queues and counts', () => {
    const items = specLog([
      enrolled('w1'),
      enrolled('wf', { project: P.fin }),
      submitted('t1'),
      submitted('f1', { project: P.fin }),
    ]);
    const v = view(fold(items), 9000, { kind: 'project', project: P.fin as ProjectId });
    expect(v.projects).toEqual([P.fin]);
    expect(v.workers.map((w) => w.workerId)).toEqual(['wf']);
    expect(v.totals.tasks.queued).toBe(1);
    expect(JSON.stringify(v)).not.toMatch(/health|"w1"|"t1"/);
  });

  it('is an immer recipe: produce gives the state the in-place fold gives', () => {
    const items = specLog([
      enrolled('w1'),
      [submitted('t1'), submitted('t2')],
      assigned('t1', 'w1'),
      completed('t1', 'w1'),
    ]);
    let immutable = initialFleetState();
    for (const item of items) {
      const before = immutable;
      immutable = produce(immutable, (d) => {
        fleetStateRecipe(d, item);
      });
      expect(before).not.toBe(immutable);
    }
    expect(immutable).toEqual(fold(items));
  });
});
