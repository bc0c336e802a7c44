import { z } from 'zod';
import { PoolId, ProjectId, TaskId, WorkerId } from './ids.ts';

const CommandMeta = z
  .object({
    /** The deciding actor's clock, epoch ms. */
    now: z.number().int().nonnegative(),
  })
  .strict();

/** One worker's claim as the dispatch boundary saw it: the identity its subject names. */
export const Claim = z
  .object({
    workerId: WorkerId,
    /** Project named by the claim's subject. */
    project: ProjectId,
    /** Pool named by the claim's subject. */
    pool: PoolId,
    /** At most this many tasks. */
    max: z.number().int().min(1).max(1000),
  })
  .strict();
export type Claim = z.infer<typeof Claim>;

/**
 * Serve claims in one round: refuse those the boundary must refuse, and assign queued tasks
 * to the others (priority, then fair share across projects, then age), at most `budget`.
 */
export const ServeClaims = z
  .object({
    type: z.literal('serve_claims'),
    data: z
      .object({
        claims: z.array(Claim).max(10_000),
        budget: z.number().int().positive().default(1000),
      })
      .strict(),
    meta: CommandMeta,
  })
  .strict();
export type ServeClaims = z.infer<typeof ServeClaims>;

/**
 * Check liveness and leases: declare lost the workers silent for too long, requeue attempts
 * whose holder is gone or whose lease expired, dead-letter those out of attempts, extend the
 * leases of attempts that live workers still run; and ready the tasks whose retry backoff is
 * over.
 */
export const CheckLiveness = z
  .object({
    type: z.literal('check_liveness'),
    data: z
      .object({
        /** Last heartbeat per worker, epoch ms; workers absent here count from `graceFrom`. */
        lastSeen: z.record(z.string(), z.number().int().nonnegative()),
        /** When this dispatcher started listening: everyone gets one timeout of grace. */
        graceFrom: z.number().int().nonnegative(),
        /**
         * The attempts each worker named in its latest heartbeat: their leases are extended
         * while the worker lives (none when absent).
         */
        beats: z
          .record(
            z.string(),
            z.array(z.object({ taskId: TaskId, attempt: z.number().int().positive() }).strict()),
          )
          .optional(),
      })
      .strict(),
    meta: CommandMeta,
  })
  .strict();
export type CheckLiveness = z.infer<typeof CheckLiveness>;

/** Commands a pool's dispatcher decides. */
export const DispatchCommand = z.discriminatedUnion('type', [ServeClaims, CheckLiveness]);
export type DispatchCommand = z.infer<typeof DispatchCommand>;
