import type { EventOf } from '../../events/index.ts';
import { admitTask } from './admit-task.ts';
import { foldResubmission } from './fold-resubmission.ts';
import { refuseFarNotBefore } from './fold-not-before.ts';
import { refuseUnrunnable } from './limits-fold.ts';
import type { LogPosition } from './log-position.ts';
import { refuseDeadline } from './refuse-deadline.ts';
import { taskKey } from './state.ts';
import type { DispatchState } from './state.ts';
import { applied, refuse } from './verdict.ts';
import type { Verdict } from './verdict.ts';

/**
 * `task.submitted`: a new task is queued; a resubmission of a known id is judged as such
 * (fold-resubmission.ts); a task whose declared spend could never run under the limits in force
 * is refused (limits-fold.ts), and so is one whose `notBefore` is too far ahead
 * (fold-not-before.ts).
 */
export const foldSubmitted = (
  s: DispatchState,
  e: EventOf<'task.submitted'>,
  entry: LogPosition,
): Verdict => {
  const { seq } = entry;
  const d = e.data;
  if (d.pool !== s.config.pool) return refuse('wrong_pool', `task is for pool ${d.pool}`);
  const key = taskKey(d.project, d.taskId);
  if (s.tasks.get(key) !== undefined || s.ended[key] !== undefined)
    return foldResubmission(s, d, seq);
  const badDeadline = refuseDeadline(s, d, key, entry);
  if (badDeadline.kind === 'refused') return badDeadline;
  const unrunnable = refuseUnrunnable(s, d, key, seq);
  if (unrunnable.kind === 'refused') return unrunnable;
  const tooFar = refuseFarNotBefore(s, d, key, entry);
  if (tooFar.kind === 'refused') return tooFar;
  delete s.refusedTasks[key]; // a valid resubmission supersedes an earlier refusal
  admitTask(s, d, seq, 0, entry.at);
  return applied;
};
