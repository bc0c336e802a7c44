import type { EventOf } from '../../events/index.ts';
import { taskAt } from './ended-index.ts';
import { taskKey } from './state.ts';
import type { DispatchState } from './state.ts';
import { AssignedTask } from './task-records.ts';
import { applied, refuse } from './verdict.ts';
import type { Verdict } from './verdict.ts';

/**
 * `task.lease_extended`: the running attempt's lease now ends at `leaseExpiresAt`. Only the
 * current attempt of the worker that holds it, while that worker is active or draining, and
 * only later than the lease it has: an extension never shortens a lease nor revives an attempt
 * that ended. An extension is at most the task's `timeoutMs` (plus the tolerated clock skew)
 * past the event's stream time, so a forged one cannot keep an attempt forever.
 */
export const foldLeaseExtended = (
  s: DispatchState,
  e: EventOf<'task.lease_extended'>,
  at: number,
): Verdict => {
  const d = e.data;
  const task = taskAt(s, taskKey(d.project, d.taskId));
  if (task === undefined)
    return refuse('unknown_task', `no task ${d.taskId} in project ${d.project}`);
  if (task.demand.pool !== d.pool)
    return refuse('wrong_pool', `task ${d.taskId} is in pool ${task.demand.pool}`);
  if (task.status !== 'assigned') return refuse('task_not_assigned', `task is ${task.status}`);
  if (task.attempt !== d.attempt)
    return refuse('stale_attempt', `current attempt is ${task.attempt}, not ${d.attempt}`);
  if (task.workerId !== d.workerId)
    return refuse('not_holder', `attempt ${task.attempt} is held by ${task.workerId}`);
  const holder = s.workers[d.workerId];
  if (holder?.status !== 'active' && holder?.status !== 'draining')
    return refuse('worker_not_active', `worker is ${holder?.status ?? 'unknown'}`);
  if (d.leaseExpiresAt <= task.leaseExpiresAt)
    return refuse('lease_not_later', `the lease already runs until ${task.leaseExpiresAt}`);
  if (d.leaseExpiresAt > at + task.demand.timeoutMs + s.config.clockSkewMs)
    return refuse('lease_too_long', `more than timeoutMs ${task.demand.timeoutMs} past ${at}`);
  // Records are replaced, never changed in place (task-records.ts).
  s.tasks.set(
    task.key,
    new AssignedTask(task.key, task.spec, task.submittedSeq, task.payload, {
      workerId: task.workerId,
      attempt: task.attempt,
      leaseExpiresAt: d.leaseExpiresAt,
      assignedSeq: task.assignedSeq,
    }),
  );
  return applied;
};
