import type { EventOf } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import { auditTaskKey } from './audit-state.ts';
import type { AuditState } from './audit-state.ts';
import type { NoEffect } from './no-effect.ts';
import { scopeNote } from './scope-note.ts';
import { violate } from './violate.ts';

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
  const task = s.tasks.get(auditTaskKey(d.project, d.pool, d.taskId));
  if (task === undefined) {
    violate(
      s,
      'unknown_task',
      [{ seq: item.seq, event: e }],
      `task ${d.taskId} of ${d.project}/${d.pool} was readied but never submitted${scopeNote(s)}`,
    );
    return 'violation';
  }
  if (task.status !== 'queued' || d.attempt !== task.attempts + 1) return 'stale_decision';
  return undefined;
};
