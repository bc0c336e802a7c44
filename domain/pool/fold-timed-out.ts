import type { EventOf } from '../../events/index.ts';
import { taskAt } from './ended-index.ts';
import type { LogPosition } from './log-position.ts';
import { neverRetried, retryDelay } from './retry-policy.ts';
import type { Delay } from './retry-policy.ts';
import { taskKey } from './state.ts';
import type { DispatchState, LiveTask } from './state.ts';
import { applied, refuse } from './verdict.ts';
import type { Verdict } from './verdict.ts';

/** Ends a live task's attempt (if one runs) and moves it: back to wait, or to its end. */
export type Finish = (task: LiveTask, to: 'queued' | 'timed_out', delay?: Delay) => void;

/**
 * `task.timed_out`: a deadline of a live task ran out, as the dispatcher decided at the event's
 * stream time. Effective only when it did run out by then (within the tolerated clock skew) and
 * names the attempt it concerns, so a replay reaches the same verdict and a late decision (the
 * task started or ended meanwhile) changes nothing. `schedule_to_start` and `deadline` end the
 * task `timed_out`; `start_to_close` fails the running attempt: the task waits out its retry
 * backoff (the failure's code is `start_to_close`), or after its last attempt, or when its
 * policy never retries that code, ends `timed_out`.
 */
export const foldTimedOut = (
  s: DispatchState,
  e: EventOf<'task.timed_out'>,
  entry: LogPosition,
  finish: Finish,
): Verdict => {
  const d = e.data;
  const key = taskKey(d.project, d.taskId);
  const task = taskAt(s, key);
  if (task === undefined)
    return refuse('unknown_task', `no task ${d.taskId} in project ${d.project}`);
  if (task.demand.pool !== d.pool)
    return refuse('wrong_pool', `task ${d.taskId} is in pool ${task.demand.pool}`);
  if (task.status !== 'queued' && task.status !== 'assigned')
    return refuse('task_ended', `task is ${task.status}`);
  if (d.attempt !== task.attempts)
    return refuse('stale_attempt', `attempts so far ${task.attempts}, not ${d.attempt}`);
  const dl = s.deadlines[key];
  const by =
    d.deadline === 'deadline'
      ? dl?.endBy
      : d.deadline === 'schedule_to_start'
        ? task.status === 'queued'
          ? dl?.startBy
          : undefined
        : task.status === 'assigned'
          ? dl?.closeBy
          : undefined;
  if (by === undefined || entry.at + s.config.clockSkewMs < by)
    return refuse('reason_unfounded', `${d.deadline} does not run out at seq ${entry.seq}`);
  if (d.deadline !== 'start_to_close' || task.status !== 'assigned') {
    finish(task, 'timed_out');
    return applied;
  }
  const policy = s.retryPolicies[key];
  if (task.attempt >= task.maxAttempts || neverRetried(policy, 'start_to_close')) {
    finish(task, 'timed_out');
    return applied;
  }
  const delay = retryDelay({
    key,
    attempt: task.attempt,
    at: entry.at,
    pool: s.config.retry,
    policy,
    retryAfterMs: undefined,
  });
  finish(task, 'queued', delay);
  return applied;
};
