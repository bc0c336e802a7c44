import type { AuditState, AuditTask } from './audit-state.ts';
import { auditWorkerKey } from './audit-state.ts';

/** Ends a task's live attempt, if any: the holder no longer holds it. */
export const releaseAttempt = (s: AuditState, task: AuditTask): void => {
  const live = task.live;
  if (live === undefined) return;
  s.workers.get(auditWorkerKey(task.pool, live.workerId))?.held.delete(task.key);
  task.live = undefined;
  task.refused = [];
};
