import { TaskLimits } from '../../events/index.ts';
import type { EventOf } from '../../events/index.ts';
import type { LogPosition } from './log-position.ts';
import { rememberRefusedTasks } from './record-refused.ts';
import type { DispatchState } from './state.ts';
import { applied, refuse } from './verdict.ts';
import type { Verdict } from './verdict.ts';

/**
 * The `attempt` of a wait that is a producer's `notBefore`: no attempt failed before it (a
 * retry's backoff names the failed attempt, 1 or more).
 */
export const NOT_BEFORE_ATTEMPT = 0;

/**
 * Refuses a submission whose `notBefore` lies more than `TaskLimits.maxDelayMs` past its stream
 * time: a typo in a timestamp (seconds read as ms, a year too far) would hold a task for ever.
 * Its producer is told through the task's status (`rejected`, with the reason).
 */
export const refuseFarNotBefore = (
  s: DispatchState,
  d: EventOf<'task.submitted'>['data'],
  key: string,
  entry: LogPosition,
): Verdict => {
  if (d.notBefore === undefined || d.notBefore - entry.at <= TaskLimits.maxDelayMs) return applied;
  const why = `notBefore ${new Date(d.notBefore).toISOString()} is more than ${TaskLimits.maxDelayMs / 86_400_000} days after the submission (${new Date(entry.at).toISOString()})`;
  rememberRefusedTasks(s, [key], entry.seq, why);
  return refuse('delay_too_long', why);
};

/**
 * Holds a just-admitted task until its `notBefore` (stream time `at`), through the same wait as
 * a retry's backoff: it joins its queue on the dispatcher's `task.ready`. False when it need not
 * wait (no `notBefore`, or one already past).
 */
export const holdUntilNotBefore = (
  s: DispatchState,
  key: string,
  notBefore: number | undefined,
  at: number | undefined,
): boolean => {
  if (notBefore === undefined || at === undefined || notBefore <= at) return false;
  s.delayed[key] = { readyAt: notBefore, attempt: NOT_BEFORE_ATTEMPT, since: at };
  return true;
};

/**
 * Whether a `task.ready` at stream time `at` comes too early for a `notBefore` wait. A retry's
 * backoff is the dispatcher's to shorten (its length is a pool setting); a producer's
 * `notBefore` is in the log, so every fold holds the dispatcher to it, give or take the clock
 * skew it allows.
 */
export const readyTooEarly = (
  s: DispatchState,
  delay: { readonly readyAt: number; readonly attempt: number },
  at: number,
): Verdict => {
  if (delay.attempt !== NOT_BEFORE_ATTEMPT || at + s.config.clockSkewMs >= delay.readyAt)
    return applied;
  return refuse(
    'not_yet',
    `the task may not start before ${new Date(delay.readyAt).toISOString()}`,
  );
};
