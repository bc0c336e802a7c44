import type { EventOf } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import type { AuditState } from './audit-state.ts';
import type { NoEffect } from './no-effect.ts';
import { submittedTask } from './submitted-task.ts';

/**
 * A dispatcher's `task.ready`: the end of a failed task's backoff. The backoff is the
 * dispatcher's scheduling (its length is the pool's setting, not in the log) and moves no task
 * between statuses, so the audit checks only that it names a submitted task; one that is no
 * longer queued for that attempt lost a race (a cancellation, say) and changes nothing.
 */
export const foldReady = (
  s: AuditState,
  e: EventOf<'task.ready'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const task = submittedTask(s, d, { seq: item.seq, event: e }, `was readied but`);
  if (task === undefined) return 'violation';
  if (task.status !== 'queued' || d.attempt !== task.attempts + 1) return 'stale_decision';
  return undefined;
};
