import { describe, expect, it } from 'vitest';
import type { TaskId } from '../../events/index.ts';
import {
  active,
  assigned,
  assignment,
  beatReply,
  effect,
  holding,
  kinds,
  returned,
  run,
  SETTINGS,
  started,
  statusOf,
  stored,
} from '../../test/support/worker-machine.ts';
import { EAGER_BEAT_MS, UNKNOWN_GRACE_MS } from './beat-steps.ts';
import { transition } from './transition.ts';
import type { WorkerEvent } from './worker-event.ts';
import { initialState, isHeld } from './worker-state.ts';
import type { WorkerState } from './worker-state.ts';

// Heartbeats, claims and attempts (running, expired, dropped, reporting, abandoned). The life
// of the worker: transition.unit.test.ts.

const inert = (state: WorkerState, event: WorkerEvent) => {
  const next = transition(state, event, 1);
  expect(next.state, event.type).toBe(state);
  expect(kinds(next.effects), event.type).toEqual([]);
};
const claimFailed = (jitter = 0): WorkerEvent => ({
  type: 'claim_failed',
  error: new Error('no responders'),
  jitter,
});
const named = (s: WorkerState) =>
  s.attempts.filter(isHeld).map((a) => `${a.assignment.taskId}@${a.assignment.attempt}`);

describe('the worker machine: heartbeats', () => {
  it('until the dispatcher knows it, claims wait and each beat awaits its reply', () => {
    const s = run(initialState(SETTINGS), [started]).state;
    expect(s.standing).toBe('unheard');
    // The dispatcher's fold lags: `unknown` within the grace, and beats go out eagerly.
    const lag = transition(s, beatReply('unknown'), UNKNOWN_GRACE_MS);
    expect(lag.state.standing).toBe('unknown');
    expect(lag.effects).toEqual([{ type: 'wait_beat', ms: EAGER_BEAT_MS }]);
    const next = transition(lag.state, { type: 'beat_due' }, UNKNOWN_GRACE_MS);
    expect(kinds(next.effects)).toEqual(['beat']);
    expect(next.state.beats).toEqual({ status: 'awaiting_reply', pending: 1 });
    const known = transition(next.state, beatReply('active'), UNKNOWN_GRACE_MS);
    expect(kinds(known.effects)).toEqual(['emit:active', 'wait_beat', 'claim']);
    expect(effect(known.effects, 'wait_beat').ms).toBe(SETTINGS.heartbeatMs);
    expect(effect(known.effects, 'claim').max).toBe(SETTINGS.capacity);
    expect(known.state.standing).toBe('known');
  });

  it('`unknown` past the grace, or once known, refuses the worker', () => {
    const s = run(initialState(SETTINGS), [started]).state;
    const late = transition(s, beatReply('unknown'), UNKNOWN_GRACE_MS + 1);
    expect(late.state.life).toMatchObject({ error: { reason: 'unknown_worker' } });
    const forgotten = run(active(), [{ type: 'beat_due' }, beatReply('unknown')]);
    expect(forgotten.state.life).toMatchObject({ error: { reason: 'unknown_worker' } });
  });

  it('once known, beats go out on schedule without awaiting replies, naming the attempts held', () => {
    const s = holding('a');
    const one = transition(s, { type: 'beat_due' }, 1);
    expect(one.effects).toEqual([
      { type: 'beat', attempts: [{ taskId: 'a', attempt: 1 }] },
      { type: 'wait_beat', ms: SETTINGS.heartbeatMs },
    ]);
    const two = transition(one.state, { type: 'beat_due' }, 2);
    expect(two.state.beats).toEqual({ status: 'waiting', pending: 2 });
    // A reply times nothing: the schedule does.
    expect(kinds(transition(two.state, beatReply('draining'), 3).effects)).toEqual([]);
  });

  it('a failed beat is told, and the next one timed when it was awaited', () => {
    const s = run(initialState(SETTINGS), [started]).state;
    const failed = transition(s, { type: 'beat_failed', error: new Error('timeout') }, 1);
    expect(kinds(failed.effects)).toEqual(['emit:heartbeat_error', 'wait_beat']);
    expect(failed.state.beats).toEqual({ status: 'waiting', pending: 0 });
  });

  it('a reply or failure with no beat under way is ignored', () => {
    const s = active();
    expect(s.beats.pending).toBe(0);
    inert(s, beatReply('revoked'));
    inert(s, { type: 'beat_failed', error: new Error('x') });
  });
});

describe('the worker machine: claims', () => {
  it('starts what it is assigned, and claims again for the slots left', () => {
    const s = active();
    expect(s.claims.status).toBe('asking');
    const { state, effects } = transition(s, assigned('a'), 100);
    expect(effects).toEqual([
      {
        type: 'emit',
        event: { type: 'task_started', taskId: 'a', attempt: 1, leaseExpiresAt: 1_000 },
      },
      { type: 'start', assignment: assignment('a'), leaseMs: 900 },
      { type: 'claim', max: 1 },
    ]);
    expect(state.attempts).toEqual([
      { assignment: assignment('a'), startedAt: 100, status: 'running' },
    ]);
    // Full: no claim until a slot is free, the moment its report is stored.
    const full = transition(state, assigned('b'), 100);
    expect(kinds(full.effects)).toEqual(['emit:task_started', 'start']);
    expect(full.state.claims.status).toBe('idle');
    const freed = run(full.state, [returned('b'), stored('b')]);
    expect(kinds(freed.effects)).toEqual(['report', 'emit:task_reported', 'claim']);
    expect(freed.effects.at(-1)).toEqual({ type: 'claim', max: 1 });
  });

  it('starts no work of another project or pool, nor a task it has already', () => {
    const s = holding('a');
    const foreign = transition(
      s,
      {
        type: 'claim_replied',
        assignments: [
          assignment('x', { project: 'fin-prod' as never }),
          assignment('y', { pool: 'cpu' as never }),
          assignment('a', { attempt: 2 }),
        ],
      },
      1,
    );
    expect(kinds(foreign.effects)).toEqual(['claim']);
    expect(foreign.state.attempts).toEqual(s.attempts);
  });

  it('runs an attempt it finished lately never again, and a later attempt of its task', () => {
    // A dispatcher taking over sends every attempt the log says the worker holds; its fold may
    // not have the report just stored yet.
    const done = run(holding('a', 'b'), [returned('a'), stored('a')]).state;
    expect(done.finished).toEqual(['a#1']);
    const again = transition(done, assigned('a', 'b'), 1);
    expect(kinds(again.effects)).toEqual(['claim']);
    expect(again.state.attempts).toEqual(done.attempts);
    const retried = transition(
      done,
      { type: 'claim_replied', assignments: [assignment('a', { attempt: 2 })] },
      1,
    );
    expect(kinds(retried.effects)).toEqual(['emit:task_started', 'start']);
    // Remembered within bounds: the oldest leave first.
    let s = active({ ...SETTINGS, capacity: 1 });
    for (let i = 0; i < 40; i += 1)
      s = run(s, [
        assigned(`t${String(i)}`),
        returned(`t${String(i)}`),
        stored(`t${String(i)}`),
      ]).state;
    expect(s.finished).toHaveLength(16);
    expect(s.finished.at(-1)).toBe('t39#1');
  });

  it('backs off after failed claims, doubling up to the cap, and claims again after the wait', () => {
    let s = active();
    const waits: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const failed = transition(s, claimFailed(), 1);
      expect(kinds(failed.effects)).toEqual(['emit:claim_error', 'back_off']);
      expect(failed.state.claims.status).toBe('backing_off');
      inert(failed.state, claimFailed());
      waits.push(effect(failed.effects, 'back_off').ms);
      const again = transition(failed.state, { type: 'backoff_over' }, 2);
      expect(kinds(again.effects)).toEqual(['claim']);
      s = again.state;
    }
    // Half of 100, 200, 400, 400 ms with no jitter.
    expect(waits).toEqual([50, 100, 200, 200]);
    expect(effect(transition(s, claimFailed(0.99), 1).effects, 'back_off').ms).toBe(398);
    // An answer resets the count.
    const reset = run(s, [assigned(), claimFailed()]);
    expect(effect(reset.effects, 'back_off').ms).toBe(50);
  });

  it('an answer, refusal or failure with no claim under way changes nothing', () => {
    const full = holding('a', 'b');
    expect(full.claims.status).toBe('idle');
    inert(full, assigned('c'));
    inert(full, { type: 'claim_refused', reason: 'worker_lost', detail: 'x' });
    inert(full, claimFailed());
    inert(full, { type: 'backoff_over' });
  });

  it('claims nothing while draining, whatever frees a slot', () => {
    const draining = run(holding('a'), [{ type: 'drain_requested' }, assigned()]).state;
    expect(draining.claims.status).toBe('over');
    inert(draining, { type: 'backoff_over' });
    const freed = run(draining, [returned('a'), stored('a')]);
    expect(kinds(freed.effects)).not.toContain('claim');
  });
});

describe('the worker machine: attempts', () => {
  it('a lease that runs out aborts the handler once; what it returns is still reported', () => {
    const s = holding('a');
    const expired = transition(s, { type: 'lease_expired', taskId: 'a' as TaskId, attempt: 1 }, 1);
    expect(expired.effects).toEqual([
      {
        type: 'emit',
        event: { type: 'task_aborted', taskId: 'a', attempt: 1, why: 'lease_expired' },
      },
      {
        type: 'abort',
        taskId: 'a',
        why: 'lease_expired',
        message: 'the lease of attempt 1 expired',
      },
    ]);
    expect(statusOf(expired.state, 'a')).toBe('expired');
    expect(named(expired.state)).toEqual(['a@1']);
    inert(expired.state, { type: 'lease_expired', taskId: 'a' as TaskId, attempt: 1 });
    const reported = transition(expired.state, returned('a'), 2);
    expect(kinds(reported.effects)).toEqual(['report']);
    expect(statusOf(reported.state, 'a')).toBe('reporting');
  });

  it('an attempt taken away is aborted, no longer named, and dropped unreported', () => {
    const s = run(holding('a', 'b'), [
      { type: 'lease_expired', taskId: 'b' as TaskId, attempt: 1 },
      { type: 'beat_due' },
    ]).state;
    const reply = beatReply('active', [
      { taskId: 'a', attempt: 1 },
      { taskId: 'b', attempt: 1 },
      { taskId: 'c', attempt: 1 },
    ]);
    const { state, effects } = transition(s, reply, 1);
    // `b` was aborted already, when its lease ran out.
    expect(kinds(effects)).toEqual(['emit:task_aborted', 'abort']);
    expect(effect(effects, 'abort')).toMatchObject({ taskId: 'a', why: 'taken_away' });
    expect([statusOf(state, 'a'), statusOf(state, 'b')]).toEqual(['dropped', 'dropped']);
    expect(named(state)).toEqual([]);
    // The slots stay taken until the handlers return.
    const gone = run(state, [returned('a'), returned('b')]);
    expect(kinds(gone.effects)).toEqual(['emit:task_dropped', 'claim', 'emit:task_dropped']);
  });

  it('an attempt whose handler has returned is reported, taken away or not', () => {
    const s = run(holding('a'), [returned('a'), { type: 'beat_due' }]).state;
    const reply = transition(s, beatReply('active', [{ taskId: 'a', attempt: 1 }]), 1);
    expect(kinds(reply.effects)).toEqual([]);
    expect(statusOf(reply.state, 'a')).toBe('reporting');
    expect(kinds(transition(reply.state, stored('a'), 2).effects)).toEqual(['emit:task_reported']);
  });

  it('a heartbeat abort of another attempt of the task changes nothing', () => {
    const s = run(holding('a'), [{ type: 'beat_due' }]).state;
    const { state, effects } = transition(s, beatReply('active', [{ taskId: 'a', attempt: 2 }]), 1);
    expect(kinds(effects)).toEqual([]);
    expect(statusOf(state, 'a')).toBe('running');
  });

  it('a report that could not be stored is told, and frees the slot', () => {
    const s = run(holding('a', 'b'), [returned('a')]).state;
    const failed = transition(
      s,
      { type: 'report_failed', taskId: 'a' as TaskId, attempt: 1, error: 'gone' },
      1,
    );
    expect(failed.effects).toEqual([
      { type: 'emit', event: { type: 'report_failed', taskId: 'a', attempt: 1, error: 'gone' } },
      { type: 'claim', max: 1 },
    ]);
    expect(statusOf(failed.state, 'a')).toBeUndefined();
  });

  it('a handler returning twice, a report of a running attempt, an unknown task: nothing', () => {
    const reporting = run(holding('a', 'b'), [returned('a')]).state;
    inert(reporting, returned('a'));
    inert(reporting, stored('b'));
    inert(reporting, returned('z'));
    inert(reporting, returned('b', 2));
    inert(reporting, { type: 'lease_expired', taskId: 'a' as TaskId, attempt: 1 });
  });

  it('a hard stop abandons a report under way: no longer held, yet told once stored', () => {
    const s = run(holding('a', 'b'), [returned('a')]).state;
    const { state, effects } = transition(s, { type: 'kill_requested' }, 1);
    // Only the running handler is aborted.
    expect(effects.filter((e) => e.type === 'abort')).toEqual([
      { type: 'abort', taskId: 'b', why: 'worker_stopped', message: 'the worker stopped' },
    ]);
    expect([statusOf(state, 'a'), statusOf(state, 'b')]).toEqual(['abandoned', 'dropped']);
    expect(named(state)).toEqual([]);
    const later = run(state, [stored('a'), returned('b')]);
    expect(kinds(later.effects)).toEqual(['emit:task_reported', 'emit:task_dropped']);
    expect(later.state.attempts).toEqual([]);
  });
});
