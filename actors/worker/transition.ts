import { RefusedError } from '../../events/index.ts';
import { backoffMs } from './backoff.ts';
import { answered, heard, sendBeat } from './beat-steps.ts';
import { late, servedBy, start } from './claim-steps.ts';
import { appended, drain } from './drain-steps.ts';
import { end, fail, kill } from './stop-steps.ts';
import { abort, alive, emit, named, put, remove } from './transition-kit.ts';
import type { Effects } from './transition-kit.ts';
import type { WorkerEffect } from './worker-effect.ts';
import type { WorkerEvent } from './worker-event.ts';
import type { WorkerState } from './worker-state.ts';

/** Most assignments one claim asks for. */
const MAX_CLAIM = 1_000;

/** The next state, and what the shell must do to get there. */
export interface Transition {
  readonly state: WorkerState;
  readonly effects: readonly WorkerEffect[];
}

/** What follows from the state alone, whatever the event was. */
const settle = (s: WorkerState, now: number, fx: Effects): WorkerState => {
  let next = s;
  const idle = next.claims.status !== 'asking';
  const { life } = next;
  if (life.status === 'draining' && life.step === 'finishing' && idle && !next.attempts.length) {
    fx.push({ type: 'append', what: 'left', at: now });
    next = { ...next, life: { status: 'draining', step: 'leaving' } };
  }
  if (next.life.status === 'closing' && next.beats.pending === 0) {
    fx.push({ type: 'abandon' });
    next = end(next, next.life.error, fx);
  }
  if (next.life.status === 'stopping' && next.attempts.length === 0)
    next = end(next, next.life.error, fx);
  if (next.connection === 'awaiting_claim' && idle) {
    fx.push({ type: 'reconnect' });
    next = { ...next, connection: 'reconnecting' };
  }
  const free = next.settings.capacity - next.attempts.length;
  if (
    next.life.status === 'running' &&
    next.standing === 'known' &&
    next.connection === 'steady' &&
    next.claims.status === 'idle' &&
    free > 0
  ) {
    fx.push({ type: 'claim', max: Math.min(MAX_CLAIM, free) });
    next = { ...next, claims: { ...next.claims, status: 'asking', server: next.server } };
  }
  return next;
};

const apply = (s: WorkerState, e: WorkerEvent, now: number, fx: Effects): WorkerState => {
  // Nothing is under way before the worker starts.
  if (s.life.status === 'enrolled' && e.type !== 'started') return s;
  switch (e.type) {
    case 'started':
      if (s.life.status !== 'enrolled') return s;
      emit(fx, { type: 'enrolled', identity: e.identity });
      return sendBeat({ ...s, life: { status: 'running' } }, fx);
    case 'beat_due':
      return s.beats.status === 'waiting' && alive(s.life) ? sendBeat(s, fx) : s;
    case 'beat_replied':
    case 'beat_failed': {
      if (s.beats.pending === 0) return s;
      const counted = { ...s, beats: { ...s.beats, pending: s.beats.pending - 1 } };
      if (!alive(s.life)) return counted;
      if (e.type === 'beat_replied')
        return servedBy(answered(heard(counted, e.reply, now, fx), fx), e.reply.server);
      emit(fx, { type: 'heartbeat_error', error: e.error });
      return answered(counted, fx);
    }
    case 'claim_replied': {
      // Given up already (the serving dispatcher changed), the claim's answer is a late one.
      if (s.claims.status !== 'asking') return late(s, e.assignments, now, fx);
      const status = s.life.status === 'running' ? 'idle' : 'over';
      let next: WorkerState = { ...s, claims: { ...s.claims, status, failures: 0 } };
      for (const a of e.assignments) next = start(next, a, now, fx);
      return next;
    }
    case 'late_claim_replied':
      return late(s, e.assignments, now, fx);
    case 'claim_refused': {
      if (s.claims.status !== 'asking') return s;
      const over: WorkerState = { ...s, claims: { ...s.claims, status: 'over', failures: 0 } };
      // The log says it is draining (an operator's drain): finish up and leave.
      if (e.reason === 'worker_draining') return drain(over, now, fx, 'recorded');
      return fail(over, new RefusedError(e.reason, e.detail), fx);
    }
    case 'claim_failed': {
      if (s.claims.status !== 'asking') return s;
      const failures = s.claims.failures + 1;
      const capMs = s.settings.maxBackoffMs;
      const retryInMs = backoffMs(failures, { capMs, random: () => e.jitter });
      emit(fx, { type: 'claim_error', error: e.error, retryInMs });
      if (s.life.status !== 'running')
        return { ...s, claims: { ...s.claims, status: 'over', failures } };
      fx.push({ type: 'back_off', ms: retryInMs });
      return { ...s, claims: { ...s.claims, status: 'backing_off', failures } };
    }
    case 'backoff_over':
      if (s.claims.status !== 'backing_off') return s;
      return { ...s, claims: { ...s.claims, status: 'idle' } };
    case 'lease_expired': {
      const a = named(s, e.taskId, e.attempt);
      if (a?.status !== 'running') return s;
      abort(fx, a, 'lease_expired', `the lease of attempt ${e.attempt} expired`);
      return put(s, { ...a, status: 'expired' });
    }
    case 'handler_returned': {
      const a = named(s, e.taskId, e.attempt);
      if (a === undefined) return s;
      switch (a.status) {
        case 'running':
        case 'expired': {
          const { outcome, durationMs } = e;
          fx.push({ type: 'report', assignment: a.assignment, outcome, durationMs });
          return put(s, { ...a, status: 'reporting' });
        }
        case 'dropped':
          emit(fx, { type: 'task_dropped', taskId: e.taskId, attempt: e.attempt });
          return remove(s, a);
        case 'reporting':
        case 'abandoned':
          return s; // it returned already
        default: {
          const never: never = a.status;
          return never;
        }
      }
    }
    case 'report_stored':
    case 'report_failed': {
      const a = named(s, e.taskId, e.attempt);
      if (a?.status !== 'reporting' && a?.status !== 'abandoned') return s;
      const { taskId, attempt } = e;
      emit(
        fx,
        e.type === 'report_stored'
          ? {
              type: 'task_reported',
              taskId,
              attempt,
              outcome: e.outcome,
              durationMs: e.durationMs,
              seq: e.seq,
            }
          : { type: 'report_failed', taskId, attempt, error: e.error },
      );
      return remove(s, a);
    }
    case 'appended':
      return appended(s, e.what, undefined, fx);
    case 'append_failed':
      return appended(s, e.what, { error: e.error }, fx);
    case 'drain_requested':
      return drain(s, now, fx);
    case 'kill_requested':
      return kill(s, fx);
    case 'signal_received': {
      if (s.life.status === 'ended') return s;
      const counted = { ...s, signals: s.signals + 1 };
      return counted.signals === 1 ? drain(counted, now, fx) : kill(counted, fx);
    }
    case 'failed':
      return fail(s, e.error, fx);
    case 'grace_over':
      return s.life.status === 'stopping' ? end(s, s.life.error, fx) : s;
    case 'renewed':
      emit(fx, { type: 'credentials_renewed', expiresAt: e.expiresAt });
      return s;
    case 'renewal_failed':
      // A refusal (revoked, lost) ends the worker; other failures are retried until expiry.
      if (e.error instanceof RefusedError) return fail(s, e.error, fx);
      emit(fx, { type: 'renewal_error', error: e.error });
      return s;
    case 'reconnect_wanted':
      // The reconnect waits for the claim under way (see `settle`): its answer would be lost.
      if (!alive(s.life) || s.connection !== 'steady') return s;
      return { ...s, connection: 'awaiting_claim' };
    case 'reconnected':
      return s.connection === 'reconnecting' ? { ...s, connection: 'steady' } : s;
    default: {
      const never: never = e;
      return never;
    }
  }
};

/**
 * The worker's machine: the state after `event` at time `now`, and the effects the shell must
 * carry out, in order. Pure: time comes in, and randomness comes in the events (`jitter`).
 * Events that make no sense where the worker is (a claim answer while none was asked, an
 * assignment after a hard stop, a second `started`) change nothing.
 */
export const transition = (state: WorkerState, event: WorkerEvent, now: number): Transition => {
  const effects: Effects = [];
  const next = settle(apply(state, event, now, effects), now, effects);
  return { state: next, effects };
};
