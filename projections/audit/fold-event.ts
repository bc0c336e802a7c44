import type { FleetEvent } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import type { AuditState } from './audit-state.ts';
import { foldAbandon } from './fold-abandon.ts';
import { foldAssignment } from './fold-assignment.ts';
import { foldEnrollment } from './fold-enrollment.ts';
import { foldKeyEvent } from './fold-key-event.ts';
import { checkLaunchKey, foldLaunch, touch } from './fold-launch.ts';
import { foldLifecycle } from './fold-lifecycle.ts';
import { foldOverLimit } from './fold-over-limit.ts';
import { foldReady } from './fold-ready.ts';
import { foldLeaseExtended } from './fold-lease-extended.ts';
import { foldTimedOut } from './fold-timed-out.ts';
import { foldReport } from './fold-report.ts';
import { foldSubmission } from './fold-submission.ts';
import type { NoEffect } from './no-effect.ts';

/**
 * Applies one event to the audit state under the contract's rules, recording the violations
 * it commits. Returns why it changed nothing, or nothing when it took effect.
 */
export const foldEvent = (s: AuditState, e: FleetEvent, item: AuditItem): NoEffect | undefined => {
  const effect = foldOne(s, e, item);
  // A pool's limits keep the stream time of the latest event of it that took effect.
  if (effect === undefined && 'pool' in e.data && e.type !== 'key.issued')
    s.limits.tick(e.data.pool, item.at);
  if (effect === undefined) touch(s, e, item.seq);
  return effect;
};

const foldOne = (s: AuditState, e: FleetEvent, item: AuditItem): NoEffect | undefined => {
  switch (e.type) {
    case 'task.submitted':
    case 'task.cancelled':
    case 'task.redriven':
      return foldSubmission(s, e, item);
    case 'task.assigned':
      return foldAssignment(s, e, item);
    case 'task.requeued':
    case 'task.dead_lettered':
      return foldAbandon(s, e, item);
    case 'task.ready':
      return foldReady(s, e, item);
    case 'task.lease_extended':
      return foldLeaseExtended(s, e, item);
    case 'task.timed_out':
      return foldTimedOut(s, e, item);
    case 'task.completed':
    case 'task.failed':
      return foldReport(s, e, item);
    case 'worker.enrolled':
      return foldEnrollment(s, e, item);
    case 'worker.draining':
    case 'worker.left':
    case 'worker.lost':
    case 'worker.revoked':
      return foldLifecycle(s, e, item);
    case 'key.issued':
    case 'key.used':
      checkLaunchKey(s, e, item);
      return foldKeyEvent(s, e, item);
    case 'key.revoked':
      return foldKeyEvent(s, e, item);
    case 'limit.set':
    case 'limit.cleared':
      s.limits.fold(e);
      return undefined;
    case 'task.over_limit':
      return foldOverLimit(s, e, item);
    case 'limit.refused':
    case 'claim.rejected':
    case 'task.progress': // progress decides no task's fate
    case 'retention.limits':
    case 'retention.point': // judged by the audit's log check, not by the fold
      return undefined;
    case 'launch.requested': // the provisioners' rule, re-derived: fold-launch.ts
    case 'launch.started':
    case 'launch.failed':
      return foldLaunch(s, e, item);
    default: {
      const never: never = e;
      return never;
    }
  }
};
