import type { EventOf, RequeueReason } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import { auditWorkerKey } from './audit-state.ts';
import type { At, AuditState, AuditWorkerStatus } from './audit-state.ts';
import { endTask } from './end-task.ts';
import { poolClock } from './forgotten.ts';
import { iso } from './iso.ts';
import type { NoEffect } from './no-effect.ts';
import { releaseAttempt } from './release-attempt.ts';
import { submittedTask } from './submitted-task.ts';
import { violate } from './violate.ts';

/** The status the holder must have for a reason other than an expired lease to hold. */
const holderStatus = (reason: Exclude<RequeueReason, 'lease_expired'>): AuditWorkerStatus => {
  switch (reason) {
    case 'worker_lost':
      return 'lost';
    case 'worker_revoked':
      return 'revoked';
    case 'worker_left':
      return 'left';
    default: {
      const never: never = reason;
      return never;
    }
  }
};

/**
 * A dispatcher's decision to requeue or dead-letter a live attempt: effective only when its
 * reason held when it was stored (the lease had run out, or the holder was lost, revoked or
 * gone) and attempts remain for a requeue, none for a dead letter.
 */
export const foldAbandon = (
  s: AuditState,
  e: EventOf<'task.requeued'> | EventOf<'task.dead_lettered'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const here: At = { seq: item.seq, event: e };
  const verb = e.type === 'task.requeued' ? 'requeued' : 'dead-lettered';
  const task = submittedTask(s, d, here, `was ${verb} but`);
  if (task === undefined) return 'violation';
  const what = `task ${d.taskId} of ${d.project}/${d.pool} ${verb} (attempt ${d.attempt}, ${d.reason})`;
  const live = task.live;
  if (task.status !== 'assigned' || live === undefined || live.attempt !== d.attempt) {
    // An attempt that did start but has ended since: a liveness check that lost the race with
    // a report or a cancellation (on other subjects). It has no effect.
    if (d.attempt <= task.attempts) return 'stale_decision';
    violate(
      s,
      'unfounded_abandon',
      [task.lastAssigned ?? task.submitted, here],
      `${what}: attempt ${d.attempt} was never assigned (${task.attempts} started)`,
    );
    return 'violation';
  }
  const holder = s.workers.get(auditWorkerKey(task.pool, live.workerId));
  let why: string | undefined;
  let evidence: At | undefined;
  if (d.reason === 'lease_expired') {
    if (item.at + s.clockSkewMs < live.leaseExpiresAt)
      why = `the lease runs until ${iso(live.leaseExpiresAt)}, the decision was stored at ${iso(item.at)}`;
  } else {
    const expected = holderStatus(d.reason);
    if (holder?.status !== expected) {
      why = `holder ${live.workerId} is ${holder?.status ?? 'unknown'}, not ${expected}`;
      evidence = holder?.since;
    }
  }
  if (why === undefined && e.type === 'task.dead_lettered' && live.attempt < task.maxAttempts)
    why = `attempt ${live.attempt} of ${task.maxAttempts}: attempts remain`;
  if (why === undefined && e.type === 'task.requeued' && live.attempt >= task.maxAttempts)
    why = `attempt ${live.attempt} is the last of ${task.maxAttempts}: it is dead-lettered, not requeued`;
  if (why !== undefined) {
    const refused =
      task.refused.length === 0
        ? ''
        : `; reports refused since the attempt began: seq ${task.refused.map((r) => r.seq).join(', ')}`;
    violate(
      s,
      'unfounded_abandon',
      [live.assigned, evidence, ...task.refused, here],
      `${what}: ${why}${refused}`,
    );
    return 'violation';
  }
  releaseAttempt(s, task);
  endTask(
    task,
    e.type === 'task.requeued' ? 'queued' : 'dead_lettered',
    here,
    poolClock(s, task.pool),
  );
  return undefined;
};
