import type { At, AuditTask, AuditTaskStatus } from './audit-state.ts';

/**
 * Gives a task its new status; `at` ends it unless it is back in the queue, `clock` (its pool's
 * clock now: forgotten.ts) is when.
 */
export const endTask = (task: AuditTask, status: AuditTaskStatus, at: At, clock: number): void => {
  task.status = status;
  if (status !== 'queued' && status !== 'assigned') {
    task.ended = at;
    task.endedClock = clock;
  }
};
