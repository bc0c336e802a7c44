/**
 * Why an event changed nothing under the contract's rules; an event that took effect has no
 * reason. `violation` is a decision the audit reports (see `ViolationKind`); the others are
 * what a correct fleet produces too: duplicates, decisions that lost a race, refused reports.
 */
export const NoEffect = {
  violation: 'violation',
  /** A decision about an attempt that ended since (it lost a race with a report or a cancel). */
  staleDecision: 'stale_decision',
  duplicateSubmission: 'duplicate_submission',
  /** A submission whose declared maximum is more than a whole budget of its limits. */
  overLimit: 'over_limit',
  /** A submission whose overall deadline is not after its stream time, or too far past it. */
  deadlineInvalid: 'deadline_invalid',
  unknownTask: 'unknown_task',
  taskEnded: 'task_ended',
  /** A redrive of a task that is not dead-lettered. */
  notDeadLettered: 'not_dead_lettered',
  /** Refused reports: only the holder of the live attempt, while active or draining, reports. */
  reportUnknownTask: 'report_unknown_task',
  reportUnknownWorker: 'report_unknown_worker',
  reportTaskNotAssigned: 'report_task_not_assigned',
  reportStaleAttempt: 'report_stale_attempt',
  reportNotHolder: 'report_not_holder',
  reportWorkerInactive: 'report_worker_inactive',
  /** A refused completion of a completed task by a worker a decision gave the attempt. */
  completedTwice: 'completed_twice',
  duplicateEnrollment: 'duplicate_enrollment',
  unknownWorker: 'unknown_worker',
  invalidTransition: 'invalid_transition',
  duplicateKey: 'duplicate_key',
  unknownKey: 'unknown_key',
  alreadyRevoked: 'already_revoked',
} as const;
export type NoEffect = (typeof NoEffect)[keyof typeof NoEffect];
