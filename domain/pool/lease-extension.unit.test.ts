import { describe, expect, it } from 'vitest';
import { CheckLiveness } from '../../events/index.ts';
import type { DispatchCommand, EventOf, FleetEvent, LogEntry } from '../../events/index.ts';
import { subjectOf } from '../../projections/spec-log.ts';
import { audit } from '../../projections/audit/index.ts';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import { given } from '../../test/support/given.ts';
import { evolveEntries } from './evolve-entry.ts';
import { taskKey } from './state.ts';
import type { DispatchState } from './state.ts';

const TIMEOUT = 10_000;
const ASSIGNED_AT = 1_000;
const LEASE = ASSIGNED_AT + TIMEOUT;
const ref = { taskId: 't1', project: P.health, pool: POOL };

/** w1 runs attempt 1 of t1 (lease of 10 s from 1 s), stored at seq 3 (at = seq × 1 ms). */
const running = log([
  enrolled('w1'),
  submitted('t1', { timeoutMs: TIMEOUT }),
  ev('task.assigned', { ...ref, workerId: 'w1', attempt: 1, leaseExpiresAt: LEASE }),
]);

const check = (
  now: number,
  beats: Record<string, { taskId: string; attempt: number }[]> | undefined,
  lastSeen: Record<string, number> = { w1: now },
): DispatchCommand =>
  CheckLiveness.parse({
    type: 'check_liveness',
    data: { lastSeen, graceFrom: 0, ...(beats === undefined ? {} : { beats }) },
    meta: { now },
  });
const beating = { w1: [{ taskId: 't1', attempt: 1 }] };
const ofType = <T extends FleetEvent['type']>(events: FleetEvent[], type: T) =>
  events.filter((e): e is EventOf<T> => e.type === type);
const extension = (leaseExpiresAt: number, workerId = 'w1', attempt = 1) =>
  ev('task.lease_extended', { ...ref, workerId, attempt, leaseExpiresAt });
const leaseOf = (s: DispatchState) => {
  const t = s.tasks.get(taskKey(P.health, 't1'));
  return t?.status === 'assigned' ? t.leaseExpiresAt : undefined;
};
/** `history` and then `more`, stored at `at` ms each. */
const then = (history: LogEntry[], more: FleetEvent[], at: number) =>
  evolveEntries(given(history).state, log(more, { from: history.length + 1, at: () => at }));

describe('the lease of a running attempt', () => {
  it('is extended by a live worker that names the attempt, once less than half of it is left', () => {
    const early = given(running).when(check(LEASE - TIMEOUT / 2 - 1, beating)).events;
    expect(ofType(early, 'task.lease_extended')).toEqual([]);
    const now = LEASE - TIMEOUT / 2 + 1;
    const due = given(running).when(check(now, beating)).events;
    expect(due).toEqual([{ ...extension(now + TIMEOUT), meta: { at: now } }]);
  });

  it('is not extended for an attempt its worker no longer names: it runs out and is requeued', () => {
    const silentOnIt = given(running).when(check(LEASE - 1, { w1: [] })).events;
    expect(ofType(silentOnIt, 'task.lease_extended')).toEqual([]);
    const none = given(running).when(check(LEASE - 1, undefined)).events;
    expect(ofType(none, 'task.lease_extended')).toEqual([]);
    const expired = given(running).when(check(LEASE, { w1: [] })).events;
    expect(ofType(expired, 'task.requeued').map((e) => e.data.reason)).toEqual(['lease_expired']);
  });

  it('is not extended for a worker gone silent: it is declared lost in the same time as before', () => {
    const { heartbeatMs, missedBeats } = given(running).state.config;
    const now = ASSIGNED_AT + heartbeatMs * missedBeats + 1;
    // Its last beat named the attempt; its silence is what counts.
    const events = given(running).when(
      check(LEASE - 1, beating, { w1: now - 1 - heartbeatMs * missedBeats - 1 }),
    ).events;
    expect(events.map((e) => e.type)).toEqual(['worker.lost', 'task.requeued']);
    expect(ofType(events, 'task.requeued')[0]?.data.reason).toBe('worker_lost');
  });

  it('moves the expiry in the fold: a check at the old expiry requeues nothing', () => {
    const now = LEASE - 1_000;
    const extended = [...running, ...log([extension(now + TIMEOUT)], { from: 4, at: () => now })];
    expect(leaseOf(given(extended).state)).toBe(now + TIMEOUT);
    expect(ofType(given(running).when(check(LEASE, beating)).events, 'task.requeued')).toHaveLength(
      1,
    );
    expect(ofType(given(extended).when(check(LEASE, beating)).events, 'task.requeued')).toEqual([]);
    // Once the worker stops naming it, the extended lease runs out like any other.
    const out = given(extended).when(check(now + TIMEOUT, { w1: [] })).events;
    expect(ofType(out, 'task.requeued').map((e) => e.data.reason)).toEqual(['lease_expired']);
  });

  it('keeps running ten times its lease while its worker beats, and completes on attempt 1', () => {
    let history = running;
    let now = ASSIGNED_AT;
    for (let i = 0; i < 40; i += 1) {
      now += TIMEOUT / 4;
      const state = evolveEntries(given([]).state, history);
      const events = given(history).when(check(now, beating)).events;
      expect(ofType(events, 'task.requeued')).toEqual([]);
      if (events.length > 0)
        history = [...history, ...log([events], { from: history.length + 1, at: () => now })];
      expect(leaseOf(state)).toBeGreaterThan(now - TIMEOUT / 4);
    }
    expect(now - ASSIGNED_AT).toBeGreaterThanOrEqual(10 * TIMEOUT);
    const done = ev('task.completed', { ...ref, workerId: 'w1', attempt: 1 });
    const state = evolveEntries(
      given(history).state,
      log([done], { from: history.length + 1, at: () => now }),
    );
    expect(state.tasks.get(taskKey(P.health, 't1'))?.status).toBe('completed');
    expect(state.rejections.byReason).toEqual({});
  });

  it.each([
    ['shortens the lease', extension(LEASE - 1), 'lease_not_later'],
    [
      'is longer than timeoutMs past its stream time',
      extension(5_000 + TIMEOUT + 1_001),
      'lease_too_long',
    ],
    ['names another worker', extension(LEASE + 1, 'w2'), 'not_holder'],
    ['names another attempt', extension(LEASE + 1, 'w1', 2), 'stale_attempt'],
  ])('is refused by the fold when the extension %s', (_, e, reason) => {
    const state = then([...running, ...log([enrolled('w2')], { from: 4 })], [e], 5_000);
    expect(state.rejections.byReason).toEqual({ [reason]: 1 });
    expect(leaseOf(state)).toBe(LEASE);
  });

  it('is refused for a lost worker and for an ended attempt', () => {
    const lost = ev('worker.lost', {
      workerId: 'w1',
      project: P.health,
      pool: POOL,
      lastSeenAt: 0,
    });
    const a = then(running, [lost, extension(LEASE + 1)], 5_000);
    expect(a.rejections.byReason).toMatchObject({ worker_not_active: 1 });
    const done = ev('task.completed', { ...ref, workerId: 'w1', attempt: 1 });
    const b = then(running, [done, extension(LEASE + 1)], 5_000);
    expect(b.rejections.byReason).toEqual({ task_not_assigned: 1 });
  });
});

describe('the audit of lease extensions', () => {
  const items = (events: FleetEvent[], at: (i: number) => number) =>
    events.map((e, i) => ({
      subject: subjectOf(e),
      seq: i + 1,
      at: at(i),
      entry: { seq: i + 1, at: at(i), events: [e] },
    }));
  const key = ev('key.issued', {
    keyId: 'k1',
    project: P.health,
    pool: POOL,
    maxUses: 10,
    expiresAt: 10 ** 13,
    secretHash: 'a'.repeat(64),
  });
  const used = ev('key.used', {
    keyId: 'k1',
    project: P.health,
    workerId: 'w1',
    use: 1,
  });
  const head: FleetEvent[] = [key, used, enrolled('w1'), submitted('t1', { timeoutMs: TIMEOUT })];
  const assigned = ev('task.assigned', {
    ...ref,
    workerId: 'w1',
    attempt: 1,
    leaseExpiresAt: LEASE,
  });

  it('accepts an extended lease and a requeue only once the extended lease ran out', async () => {
    const events = [...head, assigned, extension(9_000 + TIMEOUT)];
    const ok = await audit(items(events, (i) => (i < 5 ? ASSIGNED_AT : 9_000)));
    expect(ok.violations).toEqual([]);
    const early = ev('task.requeued', { ...ref, attempt: 1, reason: 'lease_expired' });
    const bad = await audit(
      items([...events, early], (i) => (i < 5 ? ASSIGNED_AT : i < 6 ? 9_000 : LEASE + 2_000)),
    );
    expect(bad.violations.map((v) => v.kind)).toEqual(['unfounded_abandon']);
  });

  it('flags an extension longer than timeoutMs past its stream time', async () => {
    const r = await audit(
      items([...head, assigned, extension(5_000 + TIMEOUT + 5_000)], () => 5_000),
    );
    expect(r.violations.map((v) => v.kind)).toEqual(['unfounded_lease']);
  });
});
