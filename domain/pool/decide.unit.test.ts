import { describe, expect, it } from 'vitest';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import { given } from '../../test/support/given.ts';
import { taskKey } from './state.ts';

const k = (taskId: string, project: string = P.health) => taskKey(project, taskId);
import type { DispatchCommand, EventOf, FleetEvent } from '../../events/index.ts';
import { evolveEntries } from './evolve-entry.ts';
import { decide } from './decide.ts';

const NOW = 10_000;
const claim = (
  claims: { workerId: string; project?: string; pool?: string; max?: number }[],
  budget = 1000,
): DispatchCommand => ({
  type: 'serve_claims',
  data: {
    claims: claims.map((c) => ({
      workerId: c.workerId,
      project: c.project ?? P.health,
      pool: c.pool ?? POOL,
      max: c.max ?? 1,
    })) as never,
    budget,
  },
  meta: { now: NOW },
});
const liveness = (
  now: number,
  lastSeen: Record<string, number>,
  graceFrom = 0,
): DispatchCommand => ({
  type: 'check_liveness',
  data: { lastSeen, graceFrom },
  meta: { now },
});
const assigned = (events: FleetEvent[]) =>
  events.filter((e): e is EventOf<'task.assigned'> => e.type === 'task.assigned');
const assignedIds = (events: FleetEvent[]) => assigned(events).map((e) => e.data.taskId);
const assign = (taskId: string, workerId: string, attempt = 1, leaseExpiresAt = 1_000) =>
  ev('task.assigned', { taskId, project: P.health, pool: POOL, workerId, attempt, leaseExpiresAt });

describe('the dispatch boundary', () => {
  it.each([
    ['an unknown worker', [], { workerId: 'w9' }, 'unknown_worker'],
    [
      'a worker claiming on another project’s subject',
      [enrolled('w1')],
      { workerId: 'w1', project: P.fin },
      'cross_project',
    ],
    [
      'a worker claiming in another pool',
      [enrolled('w1')],
      { workerId: 'w1', pool: 'cpu' },
      'wrong_pool',
    ],
    [
      'a revoked worker',
      [enrolled('w1'), ev('worker.revoked', { workerId: 'w1', project: P.health, pool: POOL })],
      { workerId: 'w1' },
      'worker_revoked',
    ],
    [
      'a lost worker',
      [
        enrolled('w1'),
        ev('worker.lost', { workerId: 'w1', project: P.health, pool: POOL, lastSeenAt: 0 }),
      ],
      { workerId: 'w1' },
      'worker_lost',
    ],
    [
      'a draining worker',
      [enrolled('w1'), ev('worker.draining', { workerId: 'w1', project: P.health, pool: POOL })],
      { workerId: 'w1' },
      'worker_draining',
    ],
    [
      'a worker that left',
      [enrolled('w1'), ev('worker.left', { workerId: 'w1', project: P.health, pool: POOL })],
      { workerId: 'w1' },
      'worker_left',
    ],
  ] as const)('refuses %s with a recorded reason', (_n, history, c, reason) => {
    given(log([...history, submitted('t1', { project: P.fin }), submitted('t2')]))
      .when(claim([c]))
      .thenMatch((events) => {
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          type: 'claim.rejected',
          data: { workerId: c.workerId, project: 'project' in c ? c.project : P.health, reason },
        });
      });
  });

  it('gives a worker only its own project’s tasks', () => {
    given(log([enrolled('w1'), submitted('f1', { project: P.fin }), submitted('h1')]))
      .when(claim([{ workerId: 'w1', max: 5 }]))
      .thenMatch((events) => expect(assignedIds(events)).toEqual(['h1']));
  });

  it('assigns the next attempt with a lease of the task’s timeout', () => {
    given(log([enrolled('w1'), submitted('t1', { timeoutMs: 5_000 })]))
      .when(claim([{ workerId: 'w1' }]))
      .then(
        [assign('t1', 'w1', 1, NOW + 5_000) as FleetEvent].map((e) => ({
          ...e,
          meta: { at: NOW },
        })),
      );
  });

  it('respects free capacity and the claim’s max', () => {
    const history = log([
      enrolled('w1', { capacity: 3 }),
      submitted('t1'),
      submitted('t2'),
      submitted('t3'),
      submitted('t4'),
      assign('t1', 'w1'),
    ]);
    given(history)
      .when(claim([{ workerId: 'w1', max: 10 }]))
      .thenMatch((events) => expect(assignedIds(events)).toEqual(['t2', 't3']));
    given(history)
      .when(claim([{ workerId: 'w1', max: 1 }]))
      .thenMatch((events) => expect(assignedIds(events)).toEqual(['t2']));
  });

  it('skips tasks the worker cannot serve and leaves them queued', () => {
    given(
      log([
        enrolled('w1', { labels: { vram: 24 } }),
        submitted('big', {
          requirements: { models: ['llama'], labels: [{ key: 'vram', op: 'gte', value: 80 }] },
        }),
        submitted('small'),
      ]),
    )
      .when(claim([{ workerId: 'w1' }]))
      .thenMatch((events) => expect(assignedIds(events)).toEqual(['small']));
  });
});

describe('ordering', () => {
  it('serves higher priority first, then the oldest', () => {
    given(
      log([
        enrolled('w1', { capacity: 4 }),
        submitted('low'),
        submitted('high', { priority: 10 }),
        submitted('low2'),
        submitted('mid', { priority: 5 }),
      ]),
    )
      .when(claim([{ workerId: 'w1', max: 4 }]))
      .thenMatch((events) => expect(assignedIds(events)).toEqual(['high', 'mid', 'low', 'low2']));
  });

  it('does not let a flood from one project starve another (fair share within a round)', () => {
    const flood = Array.from({ length: 1000 }, (_, i) => submitted(`f${i}`, { project: P.fin }));
    const few = Array.from({ length: 10 }, (_, i) => submitted(`h${i}`));
    const history = log([
      enrolled('fin-w', { project: P.fin, capacity: 100 }),
      enrolled('health-w', { capacity: 100 }),
      flood,
      few,
    ]);
    given(history)
      .when(
        claim(
          [
            { workerId: 'fin-w', project: P.fin, max: 100 },
            { workerId: 'health-w', max: 100 },
          ],
          20,
        ),
      )
      .thenMatch((events) => {
        const ids = assignedIds(events);
        expect(ids).toHaveLength(20);
        // Age alone would give all 20 to the flood submitted first; fair share splits the round.
        expect(ids.filter((id) => id.startsWith('h'))).toHaveLength(10);
        expect(ids.filter((id) => id.startsWith('f'))).toHaveLength(10);
      });
  });

  it('weights the share: a project of weight 3 gets three times the assignments', () => {
    const a = Array.from({ length: 100 }, (_, i) => submitted(`f${i}`, { project: P.fin }));
    const b = Array.from({ length: 100 }, (_, i) => submitted(`h${i}`));
    given(
      log([
        enrolled('fin-w', { project: P.fin, capacity: 100 }),
        enrolled('health-w', { capacity: 100 }),
        a,
        b,
      ]),
      { weights: { [P.fin]: 3 } },
    )
      .when(
        claim(
          [
            { workerId: 'fin-w', project: P.fin, max: 100 },
            { workerId: 'health-w', max: 100 },
          ],
          40,
        ),
      )
      .thenMatch((events) => {
        const ids = assignedIds(events);
        expect(ids.filter((id) => id.startsWith('f'))).toHaveLength(30);
        expect(ids.filter((id) => id.startsWith('h'))).toHaveLength(10);
      });
  });

  it('carries the share across rounds through the fold: an idle project banks no credit', () => {
    const a = Array.from({ length: 50 }, (_, i) => submitted(`f${i}`, { project: P.fin }));
    const history = log([
      enrolled('fin-w', { project: P.fin, capacity: 100 }),
      enrolled('health-w', { capacity: 100 }),
      a,
    ]);
    const first = given(history).when(
      claim([{ workerId: 'fin-w', project: P.fin, max: 30 }]),
    ).events;
    // fin-prod took 30 while health-prod was idle; now health-prod arrives.
    const b = Array.from({ length: 50 }, (_, i) => submitted(`h${i}`));
    const state = evolveEntries(
      given(history).state,
      log([first, b], { from: history.length + 1 }),
    );
    const second = decide(
      state,
      claim(
        [
          { workerId: 'fin-w', project: P.fin, max: 20 },
          { workerId: 'health-w', max: 20 },
        ],
        20,
      ),
    );
    const ids = assignedIds(second);
    // Not 20 for health-prod to "catch up": they share from now on.
    expect(ids.filter((id) => id.startsWith('h'))).toHaveLength(10);
  });
});

it('stays fair over many rounds, whatever order a round’s per-project messages are folded in', () => {
  const a = Array.from({ length: 200 }, (_, i) => submitted(`f${i}`, { project: P.fin }));
  const b = Array.from({ length: 200 }, (_, i) => submitted(`h${i}`));
  const history = log([
    enrolled('fin-w', { project: P.fin, capacity: 1000 }),
    enrolled('health-w', { capacity: 1000 }),
    a,
    b,
  ]);
  let state = given(history).state;
  let seq = history.length;
  const taken = { fin: 0, health: 0 };
  for (let round = 0; round < 40; round += 1) {
    const events = decide(
      state,
      claim(
        [
          { workerId: 'fin-w', project: P.fin, max: 10 },
          { workerId: 'health-w', max: 10 },
        ],
        3,
      ),
    );
    const of = (p: string) => events.filter((e) => 'project' in e.data && e.data.project === p);
    const fin = of(P.fin);
    const health = of(P.health);
    taken.fin += fin.length;
    taken.health += health.length;
    // The host appends one message per project's decision subject, fin-prod's first.
    const entries = log(
      [fin, health].filter((x) => x.length > 0),
      { from: seq + 1 },
    );
    seq += entries.length;
    state = evolveEntries(state, entries);
  }
  expect(taken.fin + taken.health).toBe(120);
  expect(Math.abs(taken.fin - taken.health)).toBeLessThanOrEqual(1);
});

describe('liveness and leases', () => {
  const held = log([
    enrolled('w1'),
    enrolled('w2'),
    submitted('t1', { maxAttempts: 2 }),
    assign('t1', 'w1', 1, 60_000),
  ]);

  it('declares lost a worker silent for the configured beats and requeues its attempts', () => {
    given(held, { heartbeatMs: 1000, missedBeats: 2 })
      .when(liveness(5_000, { w1: 2_000, w2: 4_500 }))
      .thenMatch((events) =>
        expect(
          events.map((e) => [
            e.type,
            e.type === 'worker.lost' ? e.data.workerId : 'taskId' in e.data ? e.data.taskId : '',
          ]),
        ).toEqual([
          ['worker.lost', 'w1'],
          ['task.requeued', 't1'],
        ]),
      );
  });

  it('gives every worker one timeout of grace after the dispatcher starts', () => {
    given(held, { heartbeatMs: 1000, missedBeats: 2 })
      .when(liveness(5_000, {}, 4_000))
      .then([]);
  });

  it('requeues an expired lease and dead-letters after the last attempt', () => {
    given(held)
      .when(liveness(60_000, { w1: 59_900, w2: 59_900 }))
      .thenMatch((events) =>
        expect(events).toMatchObject([
          { type: 'task.requeued', data: { reason: 'lease_expired' } },
        ]),
      );
    const second = log(
      [
        ev('task.requeued', {
          taskId: 't1',
          project: P.health,
          pool: POOL,
          attempt: 1,
          reason: 'lease_expired',
        }),
        assign('t1', 'w2', 2, 70_000),
      ],
      {
        from: held.length + 1,
        at: () => 60_000,
      },
    );
    given([...held, ...second])
      .when(liveness(70_000, { w1: 69_900, w2: 69_900 }))
      .thenMatch((events) =>
        expect(events).toMatchObject([
          {
            type: 'task.dead_lettered',
            data: { taskId: 't1', attempt: 2, reason: 'lease_expired' },
          },
        ]),
      );
  });

  it('requeues the attempts of a revoked worker, and its decisions fold cleanly', () => {
    const history = [
      ...held,
      ...log([ev('worker.revoked', { workerId: 'w1', project: P.health, pool: POOL })], {
        from: held.length + 1,
      }),
    ];
    const g = given(history);
    const events = g.when(liveness(1_000, {}, 1_000)).events;
    expect(events).toMatchObject([{ type: 'task.requeued', data: { reason: 'worker_revoked' } }]);
    const after = evolveEntries(g.state, log([events], { from: history.length + 1 }));
    expect(after.tasks.get(k('t1'))?.status).toBe('queued');
    expect(after.rejections.byReason).toEqual({});
  });
});
