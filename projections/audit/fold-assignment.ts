import type { EventOf } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import { auditTaskKey, auditWorkerKey, limitSubject } from './audit-state.ts';
import type { At, AuditState, AuditTask, AuditWorker } from './audit-state.ts';
import type { NoEffect } from './no-effect.ts';
import { scopeNote } from './scope-note.ts';
import { unmetRequirements } from './unmet-requirements.ts';
import { violate } from './violate.ts';

/** One assignment decision being judged, and how to name it in a violation. */
interface Decision {
  readonly s: AuditState;
  readonly task: AuditTask;
  readonly worker: AuditWorker;
  readonly here: At<EventOf<'task.assigned'>>;
  readonly what: string;
}

/** Where else a worker missing from the event's pool is enrolled, in words (or nothing). */
const elsewhere = (s: AuditState, workerId: string): string => {
  for (const w of s.workers.values())
    if (w.workerId === workerId) return ` (it is enrolled in ${w.project}/${w.pool})`;
  return '';
};

/** Who may take it: a worker of the task's project that meets every hard requirement. */
const mayTake = ({ s, task, worker, here, what }: Decision): boolean => {
  const d = here.event.data;
  if (worker.project !== task.project) {
    violate(
      s,
      'cross_project',
      [worker.enrolled, task.submitted, here],
      `${what}: worker ${d.workerId} is of project ${worker.project}, the task of ${task.project}`,
    );
    return false;
  }
  const unmet = unmetRequirements(task, worker);
  if (unmet.length === 0) return true;
  violate(
    s,
    'constraint_unmet',
    [worker.enrolled, task.submitted, here],
    `${what}: worker ${d.workerId} does not meet ${unmet.join('; ')}`,
  );
  return false;
};

/** Which attempt: only the next one, of a queued task. Why not, or nothing when it is. */
const wrongAttempt = ({ s, task, here, what }: Decision): NoEffect | undefined => {
  const d = here.event.data;
  const live = task.live;
  if (task.status === 'assigned' && live !== undefined) {
    // A refused retryable failure would have requeued the live attempt; a next attempt is
    // exactly what accepting it would have led to.
    const cause = task.refused.filter(
      (r) => r.event.type === 'task.failed' && r.event.data.retryable,
    );
    if (cause.length > 0 && live.attempt < task.maxAttempts && d.attempt === live.attempt + 1)
      violate(
        s,
        'refused_report_acted_on',
        [live.assigned, ...cause, here],
        `${what} while attempt ${live.attempt} held by ${live.workerId} is live: only consistent ` +
          `with the refused failure report${cause.length > 1 ? 's' : ''} at seq ` +
          `${cause.map((c) => c.seq).join(', ')} having been accepted`,
      );
    else
      violate(
        s,
        'double_assignment',
        [live.assigned, here],
        `${what} while attempt ${live.attempt} held by ${live.workerId} (seq ${live.assigned.seq}) is live`,
      );
    return 'violation';
  }
  // Cancellations come from producers on another subject, so a dispatcher can lose that race;
  // the assignment has no effect. Not a violation.
  if (task.status === 'cancelled') return 'stale_decision';
  if (task.status !== 'queued') {
    violate(
      s,
      'ended_task_assigned',
      [task.ended, here],
      `${what}: the task ${task.status === 'dead_lettered' ? 'was dead-lettered' : task.status} ` +
        `at seq ${task.ended?.seq ?? '?'}`,
    );
    return 'violation';
  }
  if (d.attempt !== task.attempts + 1) {
    violate(
      s,
      'attempt_sequence',
      [task.lastAssigned ?? task.submitted, here],
      `${what}: ${task.attempts} attempt${task.attempts === 1 ? '' : 's'} started so far, ` +
        `so the next is attempt ${task.attempts + 1}`,
    );
    return 'violation';
  }
  return undefined;
};

/** To whom: an active worker with room. */
const hasRoom = ({ s, worker, here, what }: Decision): boolean => {
  const d = here.event.data;
  if (worker.status !== 'active') {
    violate(
      s,
      'worker_not_active',
      [worker.since, here],
      `${what}: worker ${d.workerId} is ${worker.status} since seq ${worker.since.seq}`,
    );
    return false;
  }
  if (worker.held.size < worker.capacity) return true;
  const holding = [...worker.held].map((k) => s.tasks.get(k)?.live?.assigned);
  violate(
    s,
    'over_capacity',
    [...holding, here],
    `${what}: worker ${d.workerId} already holds ${worker.held.size} of its capacity ${worker.capacity}`,
  );
  return false;
};

/**
 * A dispatcher's assignment decision: effective only when a worker that may take the task is
 * given its next attempt while active with room. Every rule it breaks is a violation of its own.
 */
export const foldAssignment = (
  s: AuditState,
  e: EventOf<'task.assigned'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const here: At<EventOf<'task.assigned'>> = { seq: item.seq, event: e };
  if (s.recording) s.counts.assignments += 1;
  const task = s.tasks.get(auditTaskKey(d.project, d.pool, d.taskId));
  if (task === undefined) {
    violate(
      s,
      'unknown_task',
      [here],
      `task ${d.taskId} of ${d.project}/${d.pool} was assigned but never submitted${scopeNote(s)}`,
    );
    return 'violation';
  }
  task.decisions.push(here);
  const worker = s.workers.get(auditWorkerKey(d.pool, d.workerId));
  if (worker === undefined) {
    violate(
      s,
      'unknown_worker',
      [task.submitted, here],
      `task ${d.taskId} of ${d.project}/${d.pool} was assigned to worker ${d.workerId}, ` +
        `not enrolled in pool ${d.pool}${elsewhere(s, d.workerId)}${scopeNote(s)}`,
    );
    return 'violation';
  }
  const what = `task ${d.taskId} of ${d.project}/${d.pool} (attempt ${d.attempt} to ${d.workerId})`;
  const decision: Decision = { s, task, worker, here, what };
  // Every check runs, in this order, so that each broken rule is reported.
  const taken = mayTake(decision);
  const wrong = wrongAttempt(decision);
  const room = hasRoom(decision);
  if (!taken || wrong !== undefined || !room) return wrong ?? 'violation';
  const over = s.limits.breach(limitSubject(task), item.at);
  if (over !== undefined) {
    violate(s, 'limit_breached', [task.submitted, here], `${what}: ${over}`);
    return 'violation';
  }
  s.limits.start(limitSubject(task), item.at);

  task.status = 'assigned';
  task.attempts = d.attempt;
  task.lastAssigned = here;
  task.live = {
    workerId: d.workerId,
    attempt: d.attempt,
    leaseExpiresAt: d.leaseExpiresAt,
    assigned: here,
    assignedAt: item.at,
  };
  task.refused = [];
  worker.held.add(task.key);
  if (s.recording) s.counts.effectiveAssignments += 1;
  return undefined;
};
