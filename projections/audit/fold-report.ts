import type { EventOf } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import { auditTaskKey, auditWorkerKey } from './audit-state.ts';
import type { At, AuditState, AuditTask } from './audit-state.ts';
import { endTask } from './end-task.ts';
import { poolClock } from './forgotten.ts';
import type { NoEffect } from './no-effect.ts';
import { releaseAttempt } from './release-attempt.ts';
import { slimEvent } from './slim-event.ts';

/**
 * A completion of a task that already completed, by a worker an assignment decision gave this
 * attempt: the work was done twice (a worker reporting after its lease ran out, or after a
 * decision already flagged). Refused and counted, not a violation: a worker alone can cause it.
 * A worker retrying its own report, or a report of an attempt nobody was given, is not one.
 */
const completedAgain = (task: AuditTask, here: At<EventOf<'task.completed'>>): boolean => {
  const first = task.ended;
  if (first?.event.type !== 'task.completed') return false;
  const d = here.event.data;
  const f = first.event.data;
  if (f.workerId === d.workerId && f.attempt === d.attempt) return false;
  return task.decisions.some(
    (x) => x.event.data.workerId === d.workerId && x.event.data.attempt === d.attempt,
  );
};

/**
 * A worker's report of an attempt. A refused report changes nothing and is no violation (any
 * worker can send one); it is kept while the attempt is live, as evidence should a later
 * decision act on it.
 */
export const foldReport = (
  s: AuditState,
  e: EventOf<'task.completed'> | EventOf<'task.failed'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const here = { seq: item.seq, event: slimEvent(e) };
  const task = s.tasks.get(auditTaskKey(d.project, d.pool, d.taskId));
  if (task === undefined) return 'report_unknown_task';
  const worker = s.workers.get(auditWorkerKey(d.pool, d.workerId));
  const live = task.live;
  // The contract: only the holder of the live attempt, while active or draining, reports it.
  const refused: NoEffect | undefined =
    worker === undefined || worker.project !== d.project
      ? 'report_unknown_worker'
      : task.status !== 'assigned' || live === undefined
        ? 'report_task_not_assigned'
        : live.attempt !== d.attempt
          ? 'report_stale_attempt'
          : live.workerId !== d.workerId
            ? 'report_not_holder'
            : worker.status !== 'active' && worker.status !== 'draining'
              ? 'report_worker_inactive'
              : undefined;
  if (refused !== undefined) {
    if (task.status === 'assigned') task.refused.push(here);
    const again = e.type === 'task.completed' && task.status === 'completed';
    return again && completedAgain(task, { seq: item.seq, event: slimEvent(e) })
      ? 'completed_twice'
      : refused;
  }
  releaseAttempt(s, task, e.data.usage);
  if (e.type === 'task.completed') endTask(task, 'completed', here, poolClock(s, task.pool));
  else if (!e.data.retryable || task.nonRetryable.includes(e.data.error.code ?? ''))
    endTask(task, 'failed', here, poolClock(s, task.pool));
  else
    endTask(
      task,
      d.attempt < task.maxAttempts ? 'queued' : 'dead_lettered',
      here,
      poolClock(s, task.pool),
    );
  return undefined;
};
