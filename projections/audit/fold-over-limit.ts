import type { EventOf } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import { auditTaskKey, limitSubject } from './audit-state.ts';
import type { AuditState } from './audit-state.ts';
import { endTask } from './end-task.ts';
import { poolClock } from './forgotten.ts';
import type { NoEffect } from './no-effect.ts';
import { violate } from './violate.ts';

/**
 * A dispatcher ends a queued task on a limit: sound only for a task that asked to fail fast
 * (`onLimit: "fail"`) while a limit in force does not allow its next attempt.
 */
export const foldOverLimit = (
  s: AuditState,
  e: EventOf<'task.over_limit'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const here = { seq: item.seq, event: e };
  const task = s.tasks.get(auditTaskKey(d.project, d.pool, d.taskId));
  if (task === undefined) return 'unknown_task';
  // A task that started or ended since lost the race: the decision is stale, not wrong.
  if (task.status !== 'queued') return 'stale_decision';
  const what = `task ${d.taskId} of ${d.project}/${d.pool} failed on a limit`;
  if (task.submitted.event.data.onLimit !== 'fail') {
    violate(s, 'limit_unfounded', [task.submitted, here], `${what}, but it asked to wait`);
    return 'violation';
  }
  if (s.limits.breach(limitSubject(task), item.at) === undefined) {
    violate(s, 'limit_unfounded', [task.submitted, here], `${what}, but every limit had room`);
    return 'violation';
  }
  endTask(task, 'failed', here, poolClock(s, task.pool));
  return undefined;
};
