import type { Usage } from '../../events/index.ts';
import type { AuditState, AuditTask } from './audit-state.ts';
import { auditWorkerKey } from './audit-state.ts';

/**
 * Ends a task's live attempt, if any: the holder no longer holds it, and its charge settles on
 * the report's usage (or stays its whole reservation without one).
 */
export const releaseAttempt = (s: AuditState, task: AuditTask, usage?: Usage): void => {
  const live = task.live;
  if (live === undefined) return;
  s.limits.end(task.key, usage);
  s.workers.get(auditWorkerKey(task.pool, live.workerId))?.held.delete(task.key);
  task.live = undefined;
  task.refused = [];
};
