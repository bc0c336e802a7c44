import type { TaskId } from '../../events/index.ts';
import type { AbortReason } from './aborted-error.ts';
import type { WorkerEffect } from './worker-effect.ts';
import type { WorkerLifecycleEvent } from './worker-lifecycle-event.ts';
import { attemptKey, attemptOf, finishedKept } from './worker-state.ts';
import type { Attempt, Life, WorkerState } from './worker-state.ts';

// The small pieces every step of `transition` is made of.

/** Effects in the making: each step below appends what it decides, in order. */
export type Effects = WorkerEffect[];

/** Tells the listener `event`. */
export const emit = (fx: Effects, event: WorkerLifecycleEvent) => {
  fx.push({ type: 'emit', event });
};

/** Beating, and answering for what it holds: not yet stopping or ended. */
export const alive = (life: Life): boolean =>
  life.status === 'running' || life.status === 'draining' || life.status === 'closing';

/** `worker.left` is on its way or stored: a `left` heartbeat reply is no surprise. */
export const leaving = (life: Life): boolean =>
  (life.status === 'draining' && life.step === 'leaving') || life.status === 'closing';

/** The attempt an event names, when the worker has that very attempt. */
export const named = (s: WorkerState, taskId: TaskId, attempt: number): Attempt | undefined => {
  const a = attemptOf(s, taskId);
  return a?.assignment.attempt === attempt ? a : undefined;
};

/** `s` with `next` in place of the attempt of its task. */
export const put = (s: WorkerState, next: Attempt): WorkerState => ({
  ...s,
  attempts: s.attempts.map((a) => (a.assignment.taskId === next.assignment.taskId ? next : a)),
});

/** `s` without `a`: its slot is free, and `a` is not run again. */
export const remove = (s: WorkerState, a: Attempt): WorkerState => ({
  ...s,
  attempts: s.attempts.filter((b) => b.assignment.taskId !== a.assignment.taskId),
  finished: [...s.finished, attemptKey(a.assignment.taskId, a.assignment.attempt)].slice(
    -finishedKept(s.settings.capacity),
  ),
});

/** Tells of the abort and aborts the handler's signal. */
export const abort = (fx: Effects, a: Attempt, why: AbortReason, message: string) => {
  const { taskId, attempt } = a.assignment;
  emit(fx, { type: 'task_aborted', taskId, attempt, why });
  fx.push({ type: 'abort', taskId, why, message });
};
