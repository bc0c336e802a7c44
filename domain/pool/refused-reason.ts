/** Why the pool's rule refused an event: it stays stored, but changes nothing. */
export const RefusedReason = {
  /** The stored message did not decode (its codec code is recorded alongside). */
  unreadable: 'unreadable',
  /** The event is for another pool than this fold's. */
  wrongPool: 'wrong_pool',
  /** The task or worker already exists (a task's resubmission with the same body: a no-op). */
  duplicate: 'duplicate',
  /** A resubmission of a task's id with another body. */
  conflict: 'conflict',
  unknownTask: 'unknown_task',
  unknownWorker: 'unknown_worker',
  /** A launch event for a launch that is not live (never requested, failed or gone). */
  unknownLaunch: 'unknown_launch',
  /** The event joins a task and a worker (or a subject) of different projects. */
  crossProject: 'cross_project',
  /** An assignment for a task that is not queued. */
  taskNotQueued: 'task_not_queued',
  /** A report, requeue or dead-letter for a task that is not assigned. */
  taskNotAssigned: 'task_not_assigned',
  /** A cancellation of a task that has ended. */
  taskEnded: 'task_ended',
  /** The attempt is not the task's current (or next) one. */
  staleAttempt: 'stale_attempt',
  /** A report from a worker that does not hold the attempt. */
  notHolder: 'not_holder',
  /** The worker may not take or report work in its status. */
  workerNotActive: 'worker_not_active',
  /** The worker holds as many attempts as its capacity. */
  noCapacity: 'no_capacity',
  /** The worker does not meet a hard requirement of the task. */
  constraintUnmet: 'constraint_unmet',
  /** The worker cannot move to that status from its current one. */
  invalidTransition: 'invalid_transition',
  /** A requeue or dead-letter whose stated reason the log does not support. */
  reasonUnfounded: 'reason_unfounded',
  /** A dead-letter for a task that still has attempts left. */
  attemptsRemain: 'attempts_remain',
  /** A redrive of a task that is not dead-lettered. */
  notDeadLettered: 'not_dead_lettered',
  /** A lease extension that would not end the lease later than it ends. */
  leaseNotLater: 'lease_not_later',
  /** A lease extension more than the task's `timeoutMs` past its stream time. */
  leaseTooLong: 'lease_too_long',
  /** A submission whose overall deadline is past, or too far, at its stream time. */
  deadlineInvalid: 'deadline_invalid',
  /** A `task.ready` for a task that waits for no backoff. */
  notDelayed: 'not_delayed',
  /** A requeue of a task whose last allowed attempt ended: it must be dead-lettered. */
  attemptsExhausted: 'attempts_exhausted',
  /**
   * An assignment that a limit of the task's project did not allow at its position, a fail-fast
   * end whose limit did not bind, or a submission whose declared maximum exceeds a whole budget.
   */
  overLimit: 'over_limit',
  /** A submission whose `notBefore` lies further ahead than the contract allows. */
  delayTooLong: 'delay_too_long',
  /** A `task.ready` that ends a producer's `notBefore` wait before its time. */
  notYet: 'not_yet',
  /** A progress report sooner after the last one taken than the contract allows. */
  tooFrequent: 'too_frequent',
} as const;
export type RefusedReason = (typeof RefusedReason)[keyof typeof RefusedReason];
