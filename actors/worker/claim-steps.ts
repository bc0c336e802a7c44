import type { Assignment } from '../../events/index.ts';
import { MAX_TIMER_MS } from './abortable.ts';
import { emit } from './transition-kit.ts';
import type { Effects } from './transition-kit.ts';
import { attemptKey, attemptOf } from './worker-state.ts';
import type { WorkerState } from './worker-state.ts';

// Claims: what their answers start, and when a claim under way is given up for a new one.

/** Starts the attempt `a`, unless it is not this worker's or it runs or ran it already. */
export const start = (s: WorkerState, a: Assignment, now: number, fx: Effects): WorkerState => {
  const { project, pool } = s.settings;
  // The dispatcher only sends the worker's own work; anything else is not for this worker. A
  // task it runs, or an attempt it ran, may be sent again by a dispatcher that took over.
  if (
    a.project !== project ||
    a.pool !== pool ||
    attemptOf(s, a.taskId) !== undefined ||
    s.finished.includes(attemptKey(a.taskId, a.attempt))
  )
    return s;
  const { taskId, attempt, leaseExpiresAt } = a;
  emit(fx, { type: 'task_started', taskId, attempt, leaseExpiresAt });
  const leaseMs = Math.min(MAX_TIMER_MS, Math.max(0, leaseExpiresAt - now));
  fx.push({ type: 'start', assignment: a, leaseMs });
  return { ...s, attempts: [...s.attempts, { assignment: a, startedAt: now, status: 'running' }] };
};

/**
 * A heartbeat reply named the dispatcher serving the pool. When it is another than the one the
 * claim under way went out under, that claim may sit with a dispatcher that died (kill -9 tells
 * nobody): it is given up, and a new one goes out at once (`settle`) instead of after the old
 * one's time-out. A backoff is cut short for the same reason. The old claim's answer, should it
 * come after all, is a late one (`late`); the dispatcher holds one claim per worker, the latest.
 */
export const servedBy = (s: WorkerState, server: string | undefined): WorkerState => {
  if (server === undefined || server === s.server) return s;
  const next: WorkerState = { ...s, server };
  if (next.life.status !== 'running') return next;
  const { claims } = next;
  if ((claims.status === 'asking' && claims.server !== server) || claims.status === 'backing_off')
    return { ...next, claims: { ...claims, status: 'idle' } };
  return next;
};

/**
 * The answer to a claim given up for a newer one: what it assigns is the worker's in the log,
 * so it is started — in free slots only (the fold never assigns a worker more than its capacity,
 * so they fit unless the worker's count differs; one left out is requeued when its lease ends).
 * Nothing starts once the worker is on its way out.
 */
export const late = (
  s: WorkerState,
  assignments: readonly Assignment[],
  now: number,
  fx: Effects,
): WorkerState => {
  const { life } = s;
  if (!(life.status === 'running' || (life.status === 'draining' && life.step !== 'leaving')))
    return s;
  let next = s;
  for (const a of assignments)
    if (next.attempts.length < next.settings.capacity) next = start(next, a, now, fx);
  return next;
};
