import { z } from 'zod';
import { defineEvent } from './define-event.ts';
import { PoolId, ProjectId, TaskId, WorkerId } from './ids.ts';
import { Requirements } from './requirements.ts';
import { Usage } from './usage.ts';
import { LimitBounds } from './limit-events.ts';

const TaskRef = { taskId: TaskId, project: ProjectId, pool: PoolId };
const Attempt = z.number().int().positive();

/** Limits of the contract, shared by the codec and the schemas. */
export const TaskLimits = {
  maxPriority: 1000,
  minPriority: -1000,
  maxAttempts: 100,
  defaultMaxAttempts: 3,
  defaultTimeoutMs: 60_000,
  maxTimeoutMs: 7 * 24 * 3600_000,
  /** Longest wait before a retry, whatever the backoff or a worker's `retryAfterMs` asks. */
  maxRetryDelayMs: 24 * 3600_000,
  /** Largest backoff multiplier: 10^99 (attempts are at most 100) still is a finite number. */
  maxBackoffMultiplier: 10,
  maxNonRetryableCodes: 32,
  /** Longest schedule-to-start or start-to-close, and farthest overall deadline from submission. */
  maxDeadlineMs: 30 * 24 * 3600_000,
  /** Furthest a task's `notBefore` may lie past its submission's stream time: 30 days. */
  maxDelayMs: 30 * 24 * 3600_000,
} as const;

const RetryDelay = z.number().int().nonnegative().max(TaskLimits.maxRetryDelayMs);

/**
 * How a task's failed attempts are retried; what it leaves out comes from the pool's defaults
 * (the dispatcher's `retry` setting). The wait before attempt n+1 is
 * `min(maxMs, initialMs × multiplier^(n-1))`, jittered to between half and all of it, and never
 * shorter than the failed report's `retryAfterMs`. A failure whose `error.code` is listed in
 * `nonRetryable` fails the task at once, as a non-retryable failure does.
 */
export const RetryPolicy = z
  .object({
    initialMs: RetryDelay.optional(),
    maxMs: RetryDelay.optional(),
    multiplier: z.number().min(1).max(TaskLimits.maxBackoffMultiplier).optional(),
    nonRetryable: z
      .array(z.string().min(1).max(128))
      .max(TaskLimits.maxNonRetryableCodes)
      .optional(),
  })
  .strict();
export type RetryPolicy = z.infer<typeof RetryPolicy>;

const DeadlineMs = z.number().int().positive().max(TaskLimits.maxDeadlineMs);

/**
 * A task's deadlines, each optional. `scheduleToStartMs`: from its submission (or redrive), how
 * long it may wait for its first attempt to start. `startToCloseMs`: how long one attempt may
 * run; past it the attempt is aborted and counted as a failed attempt (retried per the retry
 * policy). `deadlineAt`: epoch ms by which the task ends, whatever its state; it must lie after
 * the submission's stream time and at most `maxDeadlineMs` past it. A deadline that runs out
 * ends the task `timed_out` (`task.timed_out` says which).
 */
export const Deadlines = z
  .object({
    scheduleToStartMs: DeadlineMs.optional(),
    startToCloseMs: DeadlineMs.optional(),
    deadlineAt: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();
export type Deadlines = z.infer<typeof Deadlines>;

/** A producer asks for work. Written by producers on `fleet.<project>.<pool>.submit`. */
export const TaskSubmitted = defineEvent(
  'task.submitted',
  z
    .object({
      ...TaskRef,
      requirements: Requirements.default({ labels: [] }),
      /** Higher runs first. */
      priority: z.number().int().min(TaskLimits.minPriority).max(TaskLimits.maxPriority).default(0),
      /** Opaque input handed to the worker. */
      payload: z.json().default(null),
      maxAttempts: z.number().int().min(1).max(TaskLimits.maxAttempts).default(3),
      /** Lease of one attempt: past it the attempt is abandoned and the task requeued. */
      timeoutMs: z
        .number()
        .int()
        .positive()
        .max(TaskLimits.maxTimeoutMs)
        .default(TaskLimits.defaultTimeoutMs),
      /**
       * The most one attempt may spend: reserved against the pool's limits when it starts, in
       * place of the per-model estimate (docs/operations.md, limits). A worker that reports
       * more is charged what it reports, and counted as an overrun.
       */
      maxSpend: z
        .object({
          usd: z.number().positive().max(LimitBounds.maxUsd).optional(),
          tokens: z.number().int().positive().max(LimitBounds.maxTokens).optional(),
        })
        .strict()
        .optional(),
      /** What the task does when a limit holds it back: wait (the default) or fail at once. */
      onLimit: z.enum(['wait', 'fail']).optional(),
      /** How failed attempts are retried; the pool's defaults where absent. */
      retry: RetryPolicy.optional(),
      /** When the task, or one attempt of it, runs out of time. */
      deadlines: Deadlines.optional(),
      /**
       * Epoch ms before which no attempt starts: the task waits, in no queue, until then. At
       * most `TaskLimits.maxDelayMs` past the submission's stream time, or it is refused; a
       * time already past queues it at once. Scheduling, not body: a resubmission with another
       * `notBefore` is still a duplicate.
       */
      notBefore: z.number().int().nonnegative().optional(),
    })
    .strict(),
);
export type TaskSubmitted = z.infer<typeof TaskSubmitted>;

/**
 * A producer (or operator) runs a dead-lettered task again: the task's body as it was submitted
 * (who redrives copies it from the stream), with a fresh count of attempts; its history stays
 * in the stream. Written on `fleet.<project>.<pool>.submit`.
 */
export const TaskRedriven = defineEvent(
  'task.redriven',
  TaskSubmitted.shape.data.extend({ reason: z.string().max(512).optional() }).strict(),
);
export type TaskRedriven = z.infer<typeof TaskRedriven>;

/** A producer (or operator) withdraws a task. Written on `fleet.<project>.<pool>.cancel`. */
export const TaskCancelled = defineEvent(
  'task.cancelled',
  z.object({ ...TaskRef, reason: z.string().max(512).optional() }).strict(),
);
export type TaskCancelled = z.infer<typeof TaskCancelled>;

/** The dispatcher gives attempt `attempt` of a task to a worker. Written on `.dispatch`. */
export const TaskAssigned = defineEvent(
  'task.assigned',
  z
    .object({
      ...TaskRef,
      workerId: WorkerId,
      attempt: Attempt,
      /** Epoch ms after which the attempt is abandoned. */
      leaseExpiresAt: z.number().int().nonnegative(),
    })
    .strict(),
);
export type TaskAssigned = z.infer<typeof TaskAssigned>;

/** Why an attempt ended without an outcome. */
export const RequeueReason = {
  leaseExpired: 'lease_expired',
  workerLost: 'worker_lost',
  workerRevoked: 'worker_revoked',
  workerLeft: 'worker_left',
} as const;
export type RequeueReason = (typeof RequeueReason)[keyof typeof RequeueReason];
const RequeueReasonSchema = z.enum(RequeueReason);

/** The dispatcher ends an abandoned attempt and puts the task back in the queue. */
export const TaskRequeued = defineEvent(
  'task.requeued',
  z.object({ ...TaskRef, attempt: Attempt, reason: RequeueReasonSchema }).strict(),
);
export type TaskRequeued = z.infer<typeof TaskRequeued>;

/**
 * The dispatcher ends a task's wait before its next attempt (a retry's backoff): the task joins
 * its queue. `attempt` is the attempt it may start next. Written on `.dispatch`.
 */
export const TaskReady = defineEvent(
  'task.ready',
  z.object({ ...TaskRef, attempt: Attempt }).strict(),
);
export type TaskReady = z.infer<typeof TaskReady>;

/**
 * The dispatcher extends the lease of a running attempt whose worker is alive and still names
 * it in its heartbeats: the attempt may now run until `leaseExpiresAt` (epoch ms), which is
 * never more than the task's `timeoutMs` past the event's stream time. Written on `.dispatch`.
 */
export const TaskLeaseExtended = defineEvent(
  'task.lease_extended',
  z
    .object({
      ...TaskRef,
      workerId: WorkerId,
      attempt: Attempt,
      leaseExpiresAt: z.number().int().nonnegative(),
    })
    .strict(),
);
export type TaskLeaseExtended = z.infer<typeof TaskLeaseExtended>;

/** Which deadline of a task ran out (`Deadlines`). */
export const DeadlineKind = {
  scheduleToStart: 'schedule_to_start',
  startToClose: 'start_to_close',
  deadline: 'deadline',
} as const;
export type DeadlineKind = (typeof DeadlineKind)[keyof typeof DeadlineKind];

/**
 * The dispatcher records that a deadline of a task ran out at the event's stream time.
 * `schedule_to_start` and `deadline` end the task `timed_out`; `start_to_close` ends the running
 * attempt `attempt` as a failed one: the task waits out its retry backoff, or ends `timed_out`
 * after its last attempt. `attempt` is the attempt it concerns: the running one, or the last
 * started (0 for none). Written on `.dispatch`.
 */
export const TaskTimedOut = defineEvent(
  'task.timed_out',
  z
    .object({
      ...TaskRef,
      attempt: z.number().int().nonnegative(),
      deadline: z.enum(DeadlineKind),
    })
    .strict(),
);
export type TaskTimedOut = z.infer<typeof TaskTimedOut>;

/** The dispatcher gives up on a task whose last allowed attempt was abandoned. */
export const TaskDeadLettered = defineEvent(
  'task.dead_lettered',
  z.object({ ...TaskRef, attempt: Attempt, reason: RequeueReasonSchema }).strict(),
);
export type TaskDeadLettered = z.infer<typeof TaskDeadLettered>;

/** A worker reports success. Written by the worker on its `.report` subject. */
export const TaskCompleted = defineEvent(
  'task.completed',
  z
    .object({
      ...TaskRef,
      workerId: WorkerId,
      attempt: Attempt,
      output: z.json().optional(),
      usage: Usage.default({ tokensIn: 0, tokensOut: 0, durationMs: 0 }),
    })
    .strict(),
);
export type TaskCompleted = z.infer<typeof TaskCompleted>;

/**
 * A worker reports failure. A retryable failure requeues the task while attempts remain and
 * dead-letters it after the last one; a non-retryable failure fails the task at once.
 */
export const TaskFailed = defineEvent(
  'task.failed',
  z
    .object({
      ...TaskRef,
      workerId: WorkerId,
      attempt: Attempt,
      error: z
        .object({ message: z.string().max(4096), code: z.string().max(128).optional() })
        .strict(),
      retryable: z.boolean().default(true),
      /** The worker asks not to be given the task again before this many ms (an upstream's 429). */
      retryAfterMs: RetryDelay.optional(),
      usage: Usage.default({ tokensIn: 0, tokensOut: 0, durationMs: 0 }),
    })
    .strict(),
);
export type TaskFailed = z.infer<typeof TaskFailed>;
