import { describe, expect, it } from 'vitest';
import { LimitSet, ServeClaims } from '../../events/index.ts';
import type { FleetEvent } from '../../events/index.ts';
import { ev, enrolled, P, POOL, submitted } from '../../test/support/builders.ts';
import { decide, evolve, initialState, waitReasonText, whyWaiting } from './index.ts';
import type { DispatchState } from './index.ts';

const pool = POOL as never;
const t0 = Date.UTC(2026, 11, 31, 12);

const fold = (events: readonly FleetEvent[], s = initialState({ pool })) => {
  let state: DispatchState = s;
  for (const e of events) state = evolve(state, e, { seq: state.position + 1, at: t0 }).state;
  return state;
};

/** Every active worker claims `max` at once. */
const round = (s: DispatchState, max = 10) =>
  decide(
    s,
    ServeClaims.parse({
      type: 'serve_claims',
      data: {
        claims: Object.values(s.workers).map((w) => ({
          workerId: w.id,
          project: w.capability.project,
          pool: POOL,
          max,
        })),
      },
      meta: { now: t0 },
    }),
  );

const capacity = (n: number, reserves?: Record<string, number>) =>
  ev('limit.set', {
    project: P.health,
    pool: POOL,
    capacity: n,
    ...(reserves === undefined ? {} : { reserves }),
  });

const work = (project: string, prefix: string, n: number): FleetEvent[] =>
  Array.from({ length: n }, (_, i) => submitted(`${prefix}${i}`, { project: project }));

const running = (s: DispatchState, project: string) => s.limits.running[project] ?? 0;

describe('a pool capacity', () => {
  it('keeps the running total of all projects within it, and the waiting task says why', () => {
    let s = fold([
      capacity(3),
      enrolled('h1', { capacity: 10 }),
      enrolled('f1', { capacity: 10, project: P.fin }),
      ...work(P.health, 'h', 5),
      ...work(P.fin, 'f', 5),
    ]);
    const out = round(s);
    expect(out.filter((e) => e.type === 'task.assigned')).toHaveLength(3);
    s = fold(out, s);
    expect(running(s, P.health) + running(s, P.fin)).toBe(3);
    expect(waitReasonText(whyWaiting(s, P.health as never, 'h4' as never))).toBe(
      'pool capacity: 3 of 3 running',
    );
    // A forged assignment over the capacity is refused by the fold.
    const forged = ev('task.assigned', {
      taskId: 'h4',
      project: P.health,
      pool: POOL,
      workerId: 'h1',
      attempt: 1,
      leaseExpiresAt: t0 + 60_000,
    });
    expect(evolve(s, forged, { seq: s.position + 1, at: t0 }).verdict).toMatchObject({
      kind: 'refused',
      reason: 'over_limit',
    });
  });

  it('keeps a project’s reserve free while it has work, however busy the others are', () => {
    // Health floods the pool first; fin's reserve of 2 holds 2 of the 5 slots for it.
    let s = fold([
      capacity(5, { [P.fin]: 2 }),
      enrolled('h1', { capacity: 10 }),
      enrolled('f1', { capacity: 10, project: P.fin }),
      ...work(P.health, 'h', 10),
      ...work(P.fin, 'f', 1),
    ]);
    s = fold(round(s), s);
    expect(running(s, P.fin)).toBe(1);
    // Fin has no more work: its reserve binds nobody, health may take the rest.
    expect(running(s, P.health)).toBe(4);
    s = fold(work(P.fin, 'g', 3), s);
    // Full now: fin's new work waits on the capacity, health's too.
    expect(waitReasonText(whyWaiting(s, P.fin as never, 'g0' as never))).toBe(
      'pool capacity: 5 of 5 running',
    );
    // A health task ends: the slot goes to fin, which is below its reserve.
    const done = ev('task.completed', {
      taskId: 'h0',
      project: P.health,
      pool: POOL,
      workerId: 'h1',
      attempt: 1,
      usage: { tokensIn: 1, tokensOut: 1, durationMs: 1 },
    });
    s = fold([done], s);
    expect(waitReasonText(whyWaiting(s, P.health as never, 'h5' as never))).toBe(
      'capacity reserved for other projects: 1 of 1 free slots reserved',
    );
    const out = round(s);
    expect(out.flatMap((e) => (e.type === 'task.assigned' ? [e.data.project] : []))).toEqual([
      P.fin,
    ]);
  });

  it('is refused when its reserves sum to more than it, and lifted by clearing it', () => {
    const bad = LimitSet.safeParse({
      type: 'limit.set',
      data: { project: P.health, pool: POOL, capacity: 5, reserves: { [P.health]: 4, [P.fin]: 2 } },
      meta: { at: t0 },
    });
    expect(bad.success).toBe(false);
    let s = fold([capacity(1), enrolled('h1', { capacity: 10 }), ...work(P.health, 'h', 3)]);
    expect(round(s).filter((e) => e.type === 'task.assigned')).toHaveLength(1);
    s = fold([ev('limit.cleared', { project: P.health, pool: POOL, capacity: true })], s);
    expect(round(s).filter((e) => e.type === 'task.assigned')).toHaveLength(3);
  });
});
