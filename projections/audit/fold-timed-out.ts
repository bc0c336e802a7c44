import type { EventOf } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import type { At, AuditState } from './audit-state.ts';
import { endTask } from './end-task.ts';
import { poolClock } from './forgotten.ts';
import { iso } from './iso.ts';
import type { NoEffect } from './no-effect.ts';
import { releaseAttempt } from './release-attempt.ts';
import { submittedTask } from './submitted-task.ts';
import { violate } from './violate.ts';

/**
 * A dispatcher's decision that a deadline of a live task ran out: effective for the attempt it
 * names, of a task that asked for that deadline; an overall deadline must have passed by the
 * decision's stream time. `schedule_to_start` and `deadline` end the task `timed_out`;
 * `start_to_close` fails the live attempt like a retryable failure coded `start_to_close`.
 * One that lost a race (the task moved on meanwhile) changes nothing.
 */
export const foldTimedOut = (
  s: AuditState,
  e: EventOf<'task.timed_out'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const here: At = { seq: item.seq, event: e };
  const task = submittedTask(s, d, here, `timed out but was`);
  if (task === undefined) return 'violation';
  const live = task.status === 'queued' || task.status === 'assigned';
  const stage =
    d.deadline === 'start_to_close'
      ? 'assigned'
      : d.deadline === 'schedule_to_start'
        ? 'queued'
        : task.status;
  if (!live || d.attempt !== task.attempts || task.status !== stage) return 'stale_decision';
  const asked = task.submitted.event.data.deadlines;
  const what = `task ${d.taskId} of ${d.project}/${d.pool} timed out (${d.deadline})`;
  const toStart = asked?.scheduleToStartMs;
  const toClose = asked?.startToCloseMs;
  // When the deadline ran out: it must have by the decision's stream time (within the skew).
  const by =
    d.deadline === 'deadline'
      ? asked?.deadlineAt
      : d.deadline === 'schedule_to_start'
        ? toStart === undefined || task.attempts > task.admittedAttempts
          ? undefined
          : task.admittedAt + toStart
        : toClose === undefined || task.live === undefined
          ? undefined
          : task.live.assignedAt + toClose;
  const why =
    by === undefined
      ? `it set no ${d.deadline} deadline that applies`
      : item.at + s.clockSkewMs < by
        ? `it runs out at ${iso(by)}, the decision was stored at ${iso(item.at)}`
        : undefined;
  if (why !== undefined) {
    violate(s, 'unfounded_timeout', [task.submitted, here], `${what}: ${why}`);
    return 'violation';
  }
  releaseAttempt(s, task);
  const retried =
    d.deadline === 'start_to_close' &&
    d.attempt < task.maxAttempts &&
    !task.nonRetryable.includes('start_to_close');
  endTask(task, retried ? 'queued' : 'timed_out', here, poolClock(s, task.pool));
  return undefined;
};
