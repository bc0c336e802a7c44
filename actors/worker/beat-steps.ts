import { RefusedError } from '../../events/index.ts';
import type { HeartbeatReply } from '../../events/index.ts';
import { extendLeases } from './lease-steps.ts';
import { fail } from './stop-steps.ts';
import { abort, emit, leaving, named, put } from './transition-kit.ts';
import type { Effects } from './transition-kit.ts';
import { isHeld } from './worker-state.ts';
import type { WorkerState } from './worker-state.ts';

// Heartbeats: when the next goes out, and what a reply says of the worker and its attempts.

/** Until the dispatcher first knows the worker, `unknown` means its fold lags, for this long. */
export const UNKNOWN_GRACE_MS = 10_000;
/** Heartbeat period while the dispatcher has not folded the enrollment yet. */
export const EAGER_BEAT_MS = 50;

/** Sends a beat naming the attempts held; the next is timed now, or once the reply is in. */
export const sendBeat = (s: WorkerState, fx: Effects): WorkerState => {
  const attempts = s.attempts
    .filter(isHeld)
    .map((a) => ({ taskId: a.assignment.taskId, attempt: a.assignment.attempt }));
  fx.push({ type: 'beat', attempts });
  const pending = s.beats.pending + 1;
  // Until the dispatcher knows the worker, each answer matters: it starts claiming.
  if (s.standing !== 'known') return { ...s, beats: { status: 'awaiting_reply', pending } };
  // Beats go out on schedule even when a reply is slow: the dispatcher counts arrivals.
  fx.push({ type: 'wait_beat', ms: s.settings.heartbeatMs });
  return { ...s, beats: { status: 'waiting', pending } };
};

/** Times the next beat once the awaited reply (or failure) is in. */
export const answered = (s: WorkerState, fx: Effects): WorkerState => {
  if (s.beats.status !== 'awaiting_reply') return s;
  const { heartbeatMs } = s.settings;
  const eager = s.standing === 'unknown';
  fx.push({ type: 'wait_beat', ms: eager ? Math.min(heartbeatMs, EAGER_BEAT_MS) : heartbeatMs });
  return { ...s, beats: { ...s.beats, status: 'waiting' } };
};

const takeAway = (s: WorkerState, aborts: HeartbeatReply['abort'], fx: Effects): WorkerState => {
  let next = s;
  for (const { taskId, attempt, reason } of aborts) {
    const a = named(next, taskId, attempt);
    // A handler that has returned is reported whatever the dispatcher thinks.
    if (a === undefined || a.status === 'reporting' || a.status === 'abandoned') continue;
    if (a.status === 'running' && reason === 'cancelled')
      abort(fx, a, 'cancelled', `task ${taskId} was cancelled`);
    else if (a.status === 'running')
      abort(fx, a, 'taken_away', 'the dispatcher no longer counts this attempt as held');
    next = put(next, { ...a, status: 'dropped' });
  }
  return next;
};

/** What a heartbeat reply says: known, lagging, refused; and the attempts taken away. */
export const heard = (
  s: WorkerState,
  reply: HeartbeatReply,
  now: number,
  fx: Effects,
): WorkerState => {
  const refuse = (reason: string, detail: string) => fail(s, new RefusedError(reason, detail), fx);
  switch (reply.status) {
    case 'active':
    case 'draining': {
      const known: WorkerState = s.standing === 'known' ? s : { ...s, standing: 'known' };
      if (s.standing !== 'known') emit(fx, { type: 'active' });
      return extendLeases(takeAway(known, reply.abort, fx), reply.leases, now, fx);
    }
    case 'unknown':
      if (s.standing === 'known' || now - s.settings.enrolledAt > UNKNOWN_GRACE_MS)
        return refuse('unknown_worker', 'the dispatcher does not know this worker');
      return { ...s, standing: 'unknown' };
    case 'left':
      if (!leaving(s.life)) return refuse('worker_left', 'the worker is recorded as left');
      return s.standing === 'known' ? s : { ...s, standing: 'unheard' };
    case 'lost':
      return refuse('worker_lost', 'the dispatcher declared this worker lost');
    case 'revoked':
      return refuse('worker_revoked', 'the worker was revoked');
    default: {
      const never: never = reply.status;
      return never;
    }
  }
};
