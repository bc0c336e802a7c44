import { TaskLimits } from '../../events/index.ts';
import type { EventOf } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import { auditTaskKey } from './audit-state.ts';
import type { AuditState } from './audit-state.ts';
import { endTask } from './end-task.ts';
import { isForgotten, poolClock } from './forgotten.ts';
import type { NoEffect } from './no-effect.ts';
import { releaseAttempt } from './release-attempt.ts';
import { slimEvent } from './slim-event.ts';

const submitted = (
  s: AuditState,
  e: EventOf<'task.submitted'> | EventOf<'task.redriven'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const key = auditTaskKey(d.project, d.pool, d.taskId);
  const known = s.tasks.get(key);
  // A task its dispatcher forgot is as if never submitted (forgotten.ts).
  const before = known !== undefined && isForgotten(s, known) ? undefined : known;
  if (e.type === 'task.redriven') {
    // Only a dead letter runs again, with a fresh allowance; attempt numbers go on (they fence).
    if (before === undefined) return 'unknown_task';
    if (before.status !== 'dead_lettered') return 'not_dead_lettered';
  } else {
    // The first submission of an id wins; a producer's retry is refused, not a second task.
    if (before !== undefined) return 'duplicate_submission';
    // As the pool's fold (fold-submitted.ts): a declared spend that could never run is refused.
    const models = d.requirements.models;
    const subject = { key, project: d.project, pool: d.pool, models, maxSpend: d.maxSpend };
    if (s.limits.tooLarge(subject) !== undefined) return 'over_limit';
    // As the pool's fold (refuse-deadline.ts): a deadline not after the submission, or too far.
    const at = d.deadlines?.deadlineAt;
    if (at !== undefined && (at <= item.at || at - item.at > TaskLimits.maxDeadlineMs))
      return 'deadline_invalid';
  }
  const redrivenFrom = e.type === 'task.redriven' ? (before?.attempts ?? 0) : 0;
  s.tasks.set(key, {
    key,
    taskId: d.taskId,
    project: d.project,
    pool: d.pool,
    requirements: d.requirements,
    timeoutMs: d.timeoutMs,
    maxAttempts: redrivenFrom + d.maxAttempts,
    priority: d.priority,
    nonRetryable: d.retry?.nonRetryable ?? [],
    admittedAt: item.at,
    admittedAttempts: redrivenFrom,
    // A redriven task's evidence of submission stays its first submission.
    submitted:
      e.type === 'task.redriven' && before !== undefined
        ? before.submitted
        : { seq: item.seq, event: slimEvent(e as EventOf<'task.submitted'>) },
    status: 'queued',
    attempts: redrivenFrom,
    lastAssigned: undefined,
    live: undefined,
    ended: undefined,
    endedClock: undefined,
    refused: [],
    decisions: [],
  });
  return undefined;
};

const cancelled = (
  s: AuditState,
  e: EventOf<'task.cancelled'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const task = s.tasks.get(auditTaskKey(d.project, d.pool, d.taskId));
  if (task === undefined) return 'unknown_task';
  if (task.status !== 'queued' && task.status !== 'assigned') return 'task_ended';
  releaseAttempt(s, task);
  endTask(task, 'cancelled', { seq: item.seq, event: e }, poolClock(s, task.pool));
  return undefined;
};

/**
 * A producer's submission or cancellation. Producers' events are never violations: a
 * duplicate or a late cancellation just changes nothing.
 */
export const foldSubmission = (
  s: AuditState,
  e: EventOf<'task.submitted'> | EventOf<'task.cancelled'> | EventOf<'task.redriven'>,
  item: AuditItem,
): NoEffect | undefined => {
  switch (e.type) {
    case 'task.submitted':
    case 'task.redriven':
      return submitted(s, e, item);
    case 'task.cancelled':
      return cancelled(s, e, item);
    default: {
      const never: never = e;
      return never;
    }
  }
};
