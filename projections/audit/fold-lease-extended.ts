import type { EventOf } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import { auditWorkerKey } from './audit-state.ts';
import type { At, AuditState } from './audit-state.ts';
import { iso } from './iso.ts';
import type { NoEffect } from './no-effect.ts';
import { submittedTask } from './submitted-task.ts';
import { violate } from './violate.ts';

/**
 * A dispatcher's extension of a running attempt's lease: effective for the live attempt of
 * the worker that holds it while that worker is active or draining, ending the lease later and
 * at most the task's `timeoutMs` (plus the tolerated skew) past the decision's stream time.
 * One that lost a race (the attempt ended, the holder was revoked meanwhile) changes nothing;
 * one for another holder, or longer than allowed, is a violation.
 */
export const foldLeaseExtended = (
  s: AuditState,
  e: EventOf<'task.lease_extended'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const here: At = { seq: item.seq, event: e };
  const task = submittedTask(s, d, here, `had a lease extended but was`);
  if (task === undefined) return 'violation';
  const what = `lease of task ${d.taskId} of ${d.project}/${d.pool} (attempt ${d.attempt}) extended`;
  const live = task.live;
  if (task.status !== 'assigned' || live === undefined || live.attempt !== d.attempt) {
    if (d.attempt <= task.attempts) return 'stale_decision';
    violate(
      s,
      'unfounded_lease',
      [task.lastAssigned ?? task.submitted, here],
      `${what}: attempt ${d.attempt} was never assigned`,
    );
    return 'violation';
  }
  const why =
    live.workerId !== d.workerId
      ? `attempt ${d.attempt} is held by ${live.workerId}, not ${d.workerId}`
      : d.leaseExpiresAt > item.at + task.timeoutMs + s.clockSkewMs
        ? `until ${iso(d.leaseExpiresAt)} is more than timeoutMs ${task.timeoutMs} past ${iso(item.at)}`
        : undefined;
  if (why !== undefined) {
    violate(s, 'unfounded_lease', [live.assigned, here], `${what}: ${why}`);
    return 'violation';
  }
  const holder = s.workers.get(auditWorkerKey(task.pool, live.workerId));
  if (holder?.status !== 'active' && holder?.status !== 'draining') return 'stale_decision';
  if (d.leaseExpiresAt <= live.leaseExpiresAt) return 'stale_decision';
  task.live = { ...live, leaseExpiresAt: d.leaseExpiresAt };
  return undefined;
};
