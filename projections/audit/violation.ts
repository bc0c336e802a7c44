import type { FleetEvent } from '../../events/index.ts';

/**
 * What an audit checks. Each kind is an invariant that a stored decision (or key use, or
 * enrollment) broke, judged against the events stored before it.
 */
export const ViolationKind = {
  /** An assignment gave a task to a worker of another project. */
  crossProject: 'cross_project',
  /** An assignment gave a task to a worker that does not meet one of its hard requirements. */
  constraintUnmet: 'constraint_unmet',
  /** An assignment while the task's current attempt was live. */
  doubleAssignment: 'double_assignment',
  /** An assignment whose attempt number is not the next one (attempts so far + 1). */
  attemptSequence: 'attempt_sequence',
  /** An assignment of a task that had completed, failed or been dead-lettered. */
  endedTaskAssigned: 'ended_task_assigned',
  /** An assignment to a worker that was draining, left, lost or revoked. */
  workerNotActive: 'worker_not_active',
  /**
   * An assignment that a limit in force did not allow: over a budget, a rate or a
   * concurrency cap, counting what running attempts reserve.
   */
  limitBreached: 'limit_breached',
  /** A fail-fast end of a task that did not ask for it, or that no limit bound. */
  limitUnfounded: 'limit_unfounded',
  /** An assignment to a worker already holding as many attempts as its capacity. */
  overCapacity: 'over_capacity',
  /** A decision naming a task that was never submitted (in the audited scope). */
  unknownTask: 'unknown_task',
  /** An assignment to a worker that never enrolled (in the audited scope). */
  unknownWorker: 'unknown_worker',
  /**
   * A new assignment of a task whose live attempt a refused retryable failure would have
   * ended: only consistent with the dispatcher having accepted that refused report.
   */
  refusedReportActedOn: 'refused_report_acted_on',
  /** A requeue or dead letter of the live attempt whose reason did not hold, or of no attempt. */
  unfoundedAbandon: 'unfounded_abandon',
  /**
   * A lease extension for an attempt that was never assigned, of a worker that does not hold
   * it, or longer than the task's `timeoutMs` past its stream time.
   */
  unfoundedLease: 'unfounded_lease',
  /**
   * A timeout of a task that did not set that deadline, or of an overall deadline still ahead
   * at the decision's stream time.
   */
  unfoundedTimeout: 'unfounded_timeout',
  /** A key use beyond the key's `maxUses`. */
  keyOveruse: 'key_overuse',
  /** A key use out of turn (skipped or repeated number), of an unknown or revoked key. */
  keyUseInvalid: 'key_use_invalid',
  /** An enrollment whose key was unknown, revoked, expired, spent, or of another pool. */
  enrollmentInvalid: 'enrollment_invalid',
  /**
   * A launch the provisioner's rule does not allow: requested for a task that was not queued,
   * or that a free live worker fitted, when it was decided; started with no request before it,
   * twice, or by a worker that did not enroll with the launch's key.
   */
  launchUnfounded: 'launch_unfounded',
  /** A launch requested while its template already had `maxConcurrent` launches live. */
  launchOverLimit: 'launch_over_limit',
  /**
   * A launch's key that is not single use: issued before the launch, for more than one use, in
   * another project or pool, or used more than once.
   */
  launchKeyInvalid: 'launch_key_invalid',
  /**
   * The stream does not start at sequence 1 (its head was removed) and no retention point
   * signed by the operator covers the missing head.
   */
  logTruncated: 'log_truncated',
  /** Stream sequences missing between stored messages (removed from the middle of the log). */
  logGap: 'log_gap',
  /**
   * A message on a Fleet subject that is not a valid event of that subject (not JSON, not the
   * schema, a type not allowed there, an unknown subject), or a retention point that is not
   * the operator's.
   */
  invalidMessage: 'invalid_message',
  /** The read ended before the last message the stream held when it began. */
  readIncomplete: 'read_incomplete',
} as const;
export type ViolationKind = (typeof ViolationKind)[keyof typeof ViolationKind];

/** Every kind, in a fixed order (for reports). */
export const VIOLATION_KINDS: readonly ViolationKind[] = Object.values(ViolationKind);

/** One broken invariant, pinpointed in the log. */
export interface Violation {
  readonly kind: ViolationKind;
  /**
   * Stream sequences of the events involved, ascending: the last is the event at fault, the
   * earlier ones are the events that make it so (the enrollment, the live assignment, ...).
   */
  readonly seqs: readonly number[];
  /** Stream sequences that should be there and are not (a truncated head, a gap, an unread tail). */
  readonly missing?: { readonly from: number; readonly to: number };
  /** What went wrong, in words. */
  readonly detail: string;
  /**
   * The events involved, in stream order (a batch's events share one sequence); a submission's
   * payload and a completion's output are left out.
   */
  readonly events: readonly FleetEvent[];
}
