import { TaskLimits } from '../../events/index.ts';
import type { EventOf } from '../../events/index.ts';
import type { LogPosition } from './log-position.ts';
import { rememberRefusedTasks } from './record-refused.ts';
import type { DispatchState } from './state.ts';
import { applied, refuse } from './verdict.ts';
import type { Verdict } from './verdict.ts';

/**
 * Refuses a submission whose overall deadline is not after its own stream time, or is more
 * than `maxDeadlineMs` past it, remembering it for its producer (`fleet status` says why).
 * Judged on the stream's time, so every replay refuses the same submissions.
 */
export const refuseDeadline = (
  s: DispatchState,
  d: EventOf<'task.submitted'>['data'],
  key: string,
  entry: LogPosition,
): Verdict => {
  const at = d.deadlines?.deadlineAt;
  if (at === undefined) return applied;
  const why =
    at <= entry.at
      ? `deadlineAt ${new Date(at).toISOString()} is not after the submission (stored ${new Date(entry.at).toISOString()})`
      : at - entry.at > TaskLimits.maxDeadlineMs
        ? `deadlineAt ${new Date(at).toISOString()} is more than ${TaskLimits.maxDeadlineMs} ms after the submission`
        : undefined;
  if (why === undefined) return applied;
  rememberRefusedTasks(s, [key], entry.seq, why);
  return refuse('deadline_invalid', why);
};
