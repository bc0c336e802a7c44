import { describe, expect, it } from 'vitest';
import { RefusedError, UnavailableError } from '../../events/index.ts';
import {
  active,
  assigned,
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
import { transition } from './transition.ts';
import type { WorkerEvent } from './worker-event.ts';
import { phaseOf } from './worker-phase.ts';
import { initialState } from './worker-state.ts';
import type { WorkerState } from './worker-state.ts';

// The worker's life, status by status: enrolled, running, draining (announcing, finishing,
// leaving), closing, stopping, ended. Attempts, claims and beats: transition-attempts.unit.test.ts.

const drain: WorkerEvent = { type: 'drain_requested' };
const kill: WorkerEvent = { type: 'kill_requested' };
const closed = new UnavailableError('the NATS connection closed');
const broken: WorkerEvent = { type: 'failed', error: closed };

/** Every event that moves a running worker somewhere; none may move one that has ended. */
const everything: readonly WorkerEvent[] = [
  started,
  drain,
  kill,
  broken,
  { type: 'signal_received' },
  { type: 'beat_due' },
  beatReply('active'),
  beatReply('revoked'),
  assigned('x'),
  { type: 'claim_refused', reason: 'worker_lost', detail: 'lost' },
  { type: 'claim_failed', error: new Error('timeout'), jitter: 0 },
  { type: 'backoff_over' },
  { type: 'grace_over' },
  { type: 'appended', what: 'draining' },
  { type: 'reconnect_wanted' },
  { type: 'reconnected' },
];

/** What `event` does to `state`, checking that it changes nothing. */
const inert = (state: WorkerState, event: WorkerEvent) => {
  const next = transition(state, event, 1);
  expect(next.state, event.type).toBe(state);
  expect(kinds(next.effects), event.type).toEqual([]);
};

/** A drained worker that has appended worker.draining and still runs `a`. */
const finishing = () =>
  run(holding('a'), [drain, assigned(), { type: 'appended', what: 'draining' }]);

describe('the worker machine: its life', () => {
  it('enrolled: only `started` moves it; it tells so and sends a first beat, awaiting the reply', () => {
    const s0 = initialState(SETTINGS);
    expect(phaseOf(s0.life)).toBe('running');
    for (const event of everything.filter((e) => e !== started)) inert(s0, event);
    const { state, effects } = transition(s0, started, 1);
    expect(state.life).toEqual({ status: 'running' });
    expect(kinds(effects)).toEqual(['emit:enrolled', 'beat']);
    expect(effect(effects, 'beat').attempts).toEqual([]);
    expect(state.beats).toEqual({ status: 'awaiting_reply', pending: 1 });
    inert(state, started);
  });

  it('draining: announces, claims no more, runs what the last claim brings, then leaves', () => {
    const s = holding('a');
    expect(s.claims.status).toBe('asking');
    const announcing = transition(s, drain, 5);
    expect(announcing.state.life).toEqual({ status: 'draining', step: 'announcing' });
    expect(kinds(announcing.effects)).toEqual(['emit:draining', 'stop_claims', 'append']);
    expect(effect(announcing.effects, 'append')).toMatchObject({ what: 'draining', at: 5 });
    expect(phaseOf(announcing.state.life)).toBe('draining');

    // The claim under way brings `b`: it is this worker's to run; no claim follows.
    const last = transition(announcing.state, assigned('b'), 6);
    expect(kinds(last.effects)).toEqual(['emit:task_started', 'start']);
    expect(last.state.claims.status).toBe('over');
    const told = run(last.state, [{ type: 'appended', what: 'draining' }]);
    expect(told.state.life).toEqual({ status: 'draining', step: 'finishing' });
    expect(kinds(told.effects)).toEqual([]);

    // Once every attempt is reported it leaves, and a `left` reply is no surprise any more.
    const done = run(told.state, [returned('a'), stored('a'), returned('b'), stored('b')], 9);
    expect(kinds(done.effects)).toEqual([
      'report',
      'emit:task_reported',
      'report',
      'emit:task_reported',
      'append',
    ]);
    expect(effect(done.effects, 'append')).toMatchObject({ what: 'left', at: 9 });
    expect(done.state.life).toEqual({ status: 'draining', step: 'leaving' });
    const beat = run(done.state, [{ type: 'beat_due' }, beatReply('left')]);
    expect(beat.state.life).toEqual({ status: 'draining', step: 'leaving' });
    expect(kinds(beat.effects)).toEqual(['beat', 'wait_beat']);

    const left = transition(beat.state, { type: 'appended', what: 'left' }, 10);
    expect(kinds(left.effects)).toEqual([
      'emit:left',
      'stop_beats',
      'abandon',
      'emit:ended',
      'end',
    ]);
    expect(left.state.life).toEqual({ status: 'ended', error: undefined });
    expect(effect(left.effects, 'end').error).toBeUndefined();
  });

  it('draining waits for the claim under way, whatever the order of answers', () => {
    const s = run(active(), [drain, { type: 'appended', what: 'draining' }]).state;
    expect(s.life).toEqual({ status: 'draining', step: 'finishing' });
    const answered = transition(s, { type: 'claim_failed', error: new Error('x'), jitter: 0 }, 1);
    // Told, never retried: the claim loop is over.
    expect(kinds(answered.effects)).toEqual(['emit:claim_error', 'append']);
    expect(answered.state.claims.status).toBe('over');
  });

  it('closing: the beats under way settle before it ends', () => {
    const leaving = run(finishing().state, [returned('a'), stored('a'), { type: 'beat_due' }]);
    expect(leaving.state.beats.pending).toBe(1);
    const closing = transition(leaving.state, { type: 'appended', what: 'left' }, 1);
    expect(closing.state.life).toEqual({ status: 'closing', error: undefined });
    expect(phaseOf(closing.state.life)).toBe('draining');
    expect(kinds(closing.effects)).toEqual(['emit:left', 'stop_beats']);
    inert(closing.state, { type: 'beat_due' });
    inert(closing.state, drain);
    const ended = transition(closing.state, beatReply('left'), 2);
    expect(kinds(ended.effects)).toEqual(['abandon', 'emit:ended', 'end']);
  });

  it('a worker.left that could not be stored ends the worker with that error', () => {
    const leaving = run(finishing().state, [returned('a'), stored('a')]).state;
    const plain = transition(leaving, { type: 'append_failed', what: 'left', error: 'nope' }, 1);
    expect(kinds(plain.effects)).toEqual([
      'emit:append_failed',
      'stop_beats',
      'abandon',
      'emit:ended',
      'end',
    ]);
    const error = effect(plain.effects, 'end').error;
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error?.message).toBe('worker.left was not stored');
    const fleet = new UnavailableError('append failed');
    const kept = transition(leaving, { type: 'append_failed', what: 'left', error: fleet }, 1);
    expect(effect(kept.effects, 'end').error).toBe(fleet);
  });

  it('a worker.draining that could not be stored is told, and the drain goes on', () => {
    const s = run(active(), [drain]).state;
    const failed = run(s, [{ type: 'append_failed', what: 'draining', error: 'x' }, assigned()]);
    expect(kinds(failed.effects)).toEqual(['emit:append_failed', 'append']);
    expect(failed.state.life).toEqual({ status: 'draining', step: 'leaving' });
  });

  it('a drain is begun once: a second drain, or one while stopping or ended, changes nothing', () => {
    const draining = run(active(), [drain]).state;
    inert(draining, drain);
    inert(draining, { type: 'appended', what: 'left' }); // not leaving yet
    const stopping = run(holding('a'), [broken]).state;
    expect(stopping.life.status).toBe('stopping');
    inert(stopping, drain);
    inert(run(active(), [kill]).state, drain);
  });

  it('a claim refused as `worker_draining` drains it, not announced again; any other refusal stops it hard', () => {
    const refused = (reason: 'worker_draining' | 'worker_revoked', from = active()) =>
      transition(from, { type: 'claim_refused', reason, detail: 'no' }, 1);
    // Nothing held: it leaves at once, appending worker.left and never a second worker.draining.
    const draining = refused('worker_draining');
    expect(draining.state.life).toEqual({ status: 'draining', step: 'leaving' });
    expect(kinds(draining.effects)).toEqual(['emit:draining', 'stop_claims', 'append']);
    expect(effect(draining.effects, 'append').what).toBe('left');
    // Holding an attempt: it finishes it first.
    const busy = refused('worker_draining', holding('a'));
    expect(busy.state.life).toEqual({ status: 'draining', step: 'finishing' });
    expect(kinds(busy.effects)).toEqual(['emit:draining', 'stop_claims']);
    const revoked = refused('worker_revoked');
    expect(kinds(revoked.effects)[0]).toBe('emit:refused');
    expect(revoked.state.life).toMatchObject({
      status: 'ended',
      error: { reason: 'worker_revoked' },
    });
  });

  it('stopping: aborts running handlers, reports nothing, and ends once they have returned', () => {
    const { state, effects } = transition(holding('a', 'b'), broken, 1);
    expect(kinds(effects)).toEqual([
      'abandon',
      'stop_claims',
      'stop_beats',
      'emit:task_aborted',
      'abort',
      'emit:task_aborted',
      'abort',
      'wait_grace',
    ]);
    expect(effect(effects, 'abort')).toMatchObject({ why: 'worker_stopped' });
    expect(effect(effects, 'wait_grace').ms).toBe(SETTINGS.stopGraceMs);
    expect(state.life).toEqual({ status: 'stopping', error: closed });
    expect(phaseOf(state.life)).toBe('stopping');
    expect([statusOf(state, 'a'), statusOf(state, 'b')]).toEqual(['dropped', 'dropped']);
    for (const e of [drain, broken, { type: 'beat_due' }, beatReply('active')] as const)
      inert(state, e);

    const one = transition(state, returned('a'), 2);
    expect(kinds(one.effects)).toEqual(['emit:task_dropped']);
    const both = transition(one.state, returned('b'), 3);
    expect(kinds(both.effects)).toEqual(['emit:task_dropped', 'emit:ended', 'end']);
    expect(effect(both.effects, 'end').error).toBe(closed);
  });

  it('stopping ends when the grace is over, even with handlers still running', () => {
    const stopping = run(holding('a'), [broken]).state;
    const over = transition(stopping, { type: 'grace_over' }, 600);
    expect(kinds(over.effects)).toEqual(['emit:ended', 'end']);
    // The handler that outlived the grace is still told as dropped.
    expect(kinds(transition(over.state, returned('a'), 700).effects)).toEqual([
      'emit:task_dropped',
    ]);
    inert(run(active(), []).state, { type: 'grace_over' });
  });

  it('a heartbeat reply of revoked, lost or (while running) left refuses and stops it', () => {
    for (const [status, reason] of [
      ['revoked', 'worker_revoked'],
      ['lost', 'worker_lost'],
      ['left', 'worker_left'],
    ] as const) {
      const s = run(active(), [{ type: 'beat_due' }]).state;
      const { state, effects } = transition(s, beatReply(status), 1);
      expect(kinds(effects)).toEqual([
        'emit:refused',
        'abandon',
        'stop_claims',
        'stop_beats',
        'emit:ended',
        'end',
      ]);
      expect(effect(effects, 'emit').event).toMatchObject({ type: 'refused', reason });
      expect(state.life.status).toBe('ended');
      expect(effect(effects, 'end').error).toBeInstanceOf(RefusedError);
    }
  });

  it('kill: stops hard and ends at once, with the error of a hard stop under way', () => {
    const { state, effects } = transition(holding('a'), kill, 1);
    expect(kinds(effects)).toEqual([
      'abandon',
      'stop_claims',
      'stop_beats',
      'emit:task_aborted',
      'abort',
      'emit:killed',
      'emit:ended',
      'end',
    ]);
    expect(state.life).toEqual({ status: 'ended', error: undefined });
    const stopping = run(holding('a'), [broken]).state;
    const killed = transition(stopping, kill, 2);
    expect(kinds(killed.effects)).toEqual([
      'abandon',
      'stop_claims',
      'stop_beats',
      'emit:killed',
      'emit:ended',
      'end',
    ]);
    expect(killed.state.life).toEqual({ status: 'ended', error: closed });
  });

  it('ended: nothing moves it; an assignment after a revocation starts nothing', () => {
    const revoked = run(holding('a'), [{ type: 'beat_due' }, beatReply('revoked')]).state;
    expect(revoked.life.status).toBe('stopping');
    inert(revoked, assigned('x'));
    const ended = run(revoked, [{ type: 'grace_over' }]).state;
    expect(phaseOf(ended.life)).toBe('ended');
    for (const event of everything) inert(ended, event);
    // Its last handler is still told as dropped when it returns.
    const last = transition(ended, returned('a'), 1);
    expect(kinds(last.effects)).toEqual(['emit:task_dropped']);
    expect(last.state.attempts).toEqual([]);
  });

  it('a drain cut short by a hard stop still tells how its last append went', () => {
    const leaving = run(finishing().state, [returned('a'), stored('a'), kill]).state;
    expect(leaving.life.status).toBe('ended');
    const left = transition(leaving, { type: 'appended', what: 'left' }, 1);
    expect(kinds(left.effects)).toEqual(['emit:left']);
    expect(left.state).toBe(leaving);
    const failed = transition(leaving, { type: 'append_failed', what: 'left', error: 'x' }, 1);
    expect(kinds(failed.effects)).toEqual(['emit:append_failed']);
  });

  it('signals: the first drains, the next stops hard', () => {
    const first = run(active(), [{ type: 'signal_received' }]);
    expect(first.state.life.status).toBe('draining');
    const second = transition(first.state, { type: 'signal_received' }, 1);
    expect(kinds(second.effects)).toContain('emit:killed');
    expect(second.state.life.status).toBe('ended');
  });

  it('renewals are told; a refused renewal stops it hard', () => {
    const s = active();
    const renewed = transition(s, { type: 'renewed', expiresAt: 99 }, 1);
    expect(renewed.effects).toEqual([
      { type: 'emit', event: { type: 'credentials_renewed', expiresAt: 99 } },
    ]);
    const retried = transition(s, { type: 'renewal_failed', error: new Error('timeout') }, 1);
    expect(kinds(retried.effects)).toEqual(['emit:renewal_error']);
    expect(retried.state).toBe(s);
    const refused = new RefusedError('worker_revoked', 'revoked');
    const stopped = transition(s, { type: 'renewal_failed', error: refused }, 1);
    expect(stopped.state.life).toEqual({ status: 'ended', error: refused });
  });

  it('a reconnect waits for the claim under way, and no claim goes out until it is over', () => {
    const wanted = transition(active(), { type: 'reconnect_wanted' }, 1);
    expect(wanted.state.connection).toBe('awaiting_claim');
    expect(kinds(wanted.effects)).toEqual([]);
    inert(wanted.state, { type: 'reconnect_wanted' });
    const answered = transition(wanted.state, assigned(), 2);
    expect(kinds(answered.effects)).toEqual(['reconnect']);
    expect(answered.state.connection).toBe('reconnecting');
    const back = transition(answered.state, { type: 'reconnected' }, 3);
    expect(kinds(back.effects)).toEqual(['claim']);
    inert(back.state, { type: 'reconnected' });
    // With no claim under way it reconnects at once; stopping, it does not.
    const full = holding('a', 'b');
    expect(kinds(transition(full, { type: 'reconnect_wanted' }, 1).effects)).toEqual(['reconnect']);
    inert(run(holding('a'), [broken]).state, { type: 'reconnect_wanted' });
  });
});
