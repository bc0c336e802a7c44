import { describe, expect, it } from 'vitest';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import type { EventOf, EventType, LogEntry, PoolId } from '../../events/index.ts';
import { taskAt } from './ended-index.ts';
import { evolveEntries, evolveEntry, evolveEntryInPlace } from './evolve-entry.ts';
import { initialState, taskKey } from './state.ts';
import type { DispatcherConfig, DispatchState } from './state.ts';

const k = (taskId: string) => taskKey(P.health, taskId);
const assign = (taskId: string, attempt = 1) =>
  ev('task.assigned', {
    taskId,
    project: P.health,
    pool: POOL,
    workerId: 'w1',
    attempt,
    leaseExpiresAt: 10 ** 12,
  });
const completed = (taskId: string, attempt = 1) =>
  ev('task.completed', { taskId, project: P.health, pool: POOL, workerId: 'w1', attempt });
const failedRetryable = (taskId: string, attempt = 1) =>
  ev('task.failed', {
    taskId,
    project: P.health,
    pool: POOL,
    workerId: 'w1',
    attempt,
    error: { code: 'boom', message: 'boom' },
    retryable: true,
  });
const redriven = (taskId: string) =>
  ev('task.redriven', {
    taskId,
    project: P.health,
    pool: POOL,
    requirements: { models: ['llama'] },
    maxAttempts: 1,
  });

type Ev = EventOf<EventType>;

/** A pool folding events one message each, the stream's time of each given with it. */
class Pool {
  readonly state: DispatchState;
  seq = 0;
  constructor(config: Partial<DispatcherConfig> = {}) {
    this.state = initialState({
      pool: POOL as PoolId,
      forgetEndedAfterMs: 1_000,
      forgetDeadLettersAfterMs: 5_000,
      ...config,
    });
  }
  /** Folds `e` stored at stream time `at`, and says its verdict. */
  at(at: number, e: Ev) {
    this.seq += 1;
    const [verdict] = evolveEntryInPlace(this.state, { seq: this.seq, at, events: [e] });
    return verdict;
  }
}

describe('ended tasks forgotten after a while of stream time', () => {
  it('are known until forgetEndedAfterMs after their end, then forgotten whole', () => {
    const p = new Pool();
    p.at(0, enrolled('w1'));
    p.at(0, submitted('t1'));
    p.at(10, assign('t1'));
    p.at(100, completed('t1'));
    // Just before: still known, a resubmission is a duplicate.
    expect(p.at(1_099, submitted('t1'))).toMatchObject({ reason: 'duplicate' });
    expect(taskAt(p.state, k('t1'))).toMatchObject({ status: 'completed' });
    // At its end plus the setting, by any event of the pool: forgotten.
    p.at(1_100, enrolled('w2'));
    expect(taskAt(p.state, k('t1'))).toBeUndefined();
    expect(p.state.digests[k('t1')]).toBeUndefined();
    expect(p.state.resubmissions[k('t1')]).toBeUndefined();
    // A late report, a cancel and a redrive are refused as about an unknown task.
    expect(p.at(1_200, completed('t1'))).toMatchObject({ reason: 'unknown_task' });
    expect(
      p.at(1_200, ev('task.cancelled', { taskId: 't1', project: P.health, pool: POOL })),
    ).toMatchObject({ reason: 'unknown_task' });
    // Its id may be used again: a new task, from attempt 1.
    expect(p.at(1_300, submitted('t1'))).toEqual({ kind: 'applied' });
    expect(taskAt(p.state, k('t1'))).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('forget from the ended index too, and keep the pool’s clock from going back', () => {
    const p = new Pool({ endedTasksKept: 1 });
    p.at(0, enrolled('w1', { capacity: 5 }));
    for (const id of ['a', 'b', 'c']) {
      p.at(0, submitted(id));
      p.at(0, assign(id));
    }
    p.at(100, completed('a'));
    p.at(200, completed('b'));
    p.at(300, completed('c'));
    // a and b left for the index (one record kept); all three still known.
    expect(Object.keys(p.state.ended).sort()).toEqual([k('a'), k('b')]);
    // A message stored with an earlier time (a clock stepping back) does not move the clock back.
    p.at(1_150, enrolled('w2'));
    p.at(50, enrolled('w3'));
    expect(p.state.forgetting.clock).toBe(1_150);
    expect(taskAt(p.state, k('a'))).toBeUndefined();
    expect(taskAt(p.state, k('b'))).toMatchObject({ status: 'completed' });
    p.at(1_300, enrolled('w4'));
    expect(p.state.ended).toEqual({});
    expect(p.state.tasks.size).toBe(0);
  });

  it('keep dead letters for forgetDeadLettersAfterMs: redriven before, unknown after', () => {
    const p = new Pool();
    p.at(0, enrolled('w1', { capacity: 2 }));
    p.at(0, submitted('d1', { maxAttempts: 1 }));
    p.at(0, submitted('d2', { maxAttempts: 1 }));
    p.at(0, assign('d1'));
    p.at(0, assign('d2'));
    p.at(100, failedRetryable('d1'));
    p.at(100, failedRetryable('d2'));
    expect(taskAt(p.state, k('d1'))).toMatchObject({ status: 'dead_lettered' });
    // Past the ended tasks' setting, a dead letter is still there to redrive.
    expect(p.at(4_000, redriven('d1'))).toEqual({ kind: 'applied' });
    p.at(4_000, assign('d1', 2));
    p.at(4_000, failedRetryable('d1', 2));
    // d2 goes at its end plus forgetDeadLettersAfterMs; d1, dead-lettered again later, stays.
    expect(p.at(5_100, redriven('d2'))).toMatchObject({ reason: 'unknown_task' });
    expect(taskAt(p.state, k('d1'))).toMatchObject({ status: 'dead_lettered', attempts: 2 });
    p.at(9_000, enrolled('w2'));
    expect(taskAt(p.state, k('d1'))).toBeUndefined();
  });

  it('hold a bounded state over endless ended tasks', () => {
    const p = new Pool({ endedTasksKept: 100, forgetEndedAfterMs: 500 });
    p.at(0, enrolled('w1', { capacity: 1 }));
    const sizes: number[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const id = `t${i}`;
      p.at(i, submitted(id));
      p.at(i, assign(id));
      p.at(i, completed(id));
      if (i % 1_000 === 999) {
        const f = p.state.forgetting.ended;
        sizes.push(p.state.tasks.size + Object.keys(p.state.ended).length + f.keys.length);
      }
    }
    // About 500 ms of ends known at any time (one task a millisecond), queue entries included.
    for (const n of sizes.slice(2)) expect(n).toBeLessThan(4_000);
    expect(Object.keys(p.state.digests).length).toBeLessThanOrEqual(100);
  });
});

describe('forgetting under replay', () => {
  /** A long pool history: tasks complete, fail into dead letters, are redriven and resubmitted. */
  const history = (): LogEntry[] => {
    const events: [number, Ev][] = [[0, enrolled('w1', { capacity: 3 })]];
    for (let i = 0; i < 400; i += 1) {
      const t = i * 37;
      const id = `t${i % 150}`; // ids come back, after their task was forgotten or not
      events.push([t, submitted(id, { maxAttempts: 1 })]);
      events.push([t, assign(id)]);
      events.push([t + 5, i % 4 === 0 ? failedRetryable(id) : completed(id)]);
      if (i % 9 === 0) events.push([t + 7, redriven(`t${(i + 140) % 150}`)]);
    }
    return events.map(([at, e], i) => ({ seq: i + 1, at, events: [e] }));
  };
  const config = {
    pool: POOL as PoolId,
    endedTasksKept: 20,
    forgetEndedAfterMs: 900,
    forgetDeadLettersAfterMs: 3_000,
  };

  it('a fold in one go and one in pieces forget the same tasks and give the same verdicts', () => {
    const entries = history();
    const whole = initialState(config);
    const verdicts = entries.map((e) => evolveEntryInPlace(whole, e));
    // Some ids were forgotten and submitted again, some not: both paths are in the history.
    expect(verdicts.flat().filter((v) => v.kind === 'refused').length).toBeGreaterThan(10);
    expect(verdicts.flat().filter((v) => v.kind === 'applied').length).toBeGreaterThan(1_000);
    for (const cut of [1, 333, 700, 1_111]) {
      const first = evolveEntries(initialState(config), entries.slice(0, cut));
      let s = first;
      const rest: unknown[] = [];
      for (const e of entries.slice(cut)) {
        const r = evolveEntry(s, e);
        s = r.state;
        rest.push(...r.verdicts);
      }
      expect(rest).toEqual(verdicts.slice(cut).flat());
      expect(s.forgetting).toEqual(whole.forgetting);
      expect([...s.tasks.entries()]).toEqual([...whole.tasks.entries()]);
      expect(s.ended).toEqual(whole.ended);
    }
  });

  it('is a function of the log: entries as the builders number them fold alike', () => {
    const entries = log([enrolled('w1'), submitted('x'), assign('x'), completed('x')], {
      at: (seq) => seq * 1_000,
    });
    const s = evolveEntries(initialState({ ...config, forgetEndedAfterMs: 2_000 }), entries);
    expect(taskAt(s, k('x'))).toMatchObject({ status: 'completed' });
    const later = evolveEntries(s, log([enrolled('w9')], { from: 5, at: () => 6_000 }));
    expect(taskAt(later, k('x'))).toBeUndefined();
  });
});
