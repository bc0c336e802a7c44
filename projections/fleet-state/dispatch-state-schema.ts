import { z } from 'zod';
import {
  defaultConfig,
  fromPlainState,
  initialLaunchState,
  initialState,
  WorkerStatus,
} from '../../domain/pool/index.ts';
import type { DispatchState, TaskKey } from '../../domain/pool/index.ts';
import { initialLimits } from '../../domain/limits/index.ts';
import {
  KeyId,
  LimitRule,
  Labels,
  ModelName,
  PoolId,
  ProjectId,
  Requirements,
  LaunchId,
  RetryPolicy,
  Deadlines,
  Runtime,
  RuntimeKind,
  TaskId,
  WorkerId,
} from '../../events/index.ts';

const Count = z.number().int().nonnegative();

/** Ended tasks in the order they ended, to forget them (domain/pool/forget-ended.ts). */
const EndedQueue = z.object({
  keys: z.array(z.string()),
  seqs: z.array(Count),
  ats: z.array(z.number()),
  head: Count,
});

/**
 * A pool's limits as a checkpoint stores them: each rule as `limit.set` gave it, re-checked;
 * a checkpoint from before limits existed has none.
 */
const LimitsStateSchema = z
  .object({
    rules: z.record(z.string(), LimitRule),
    ledgers: z.record(
      z.string(),
      z.object({
        charges: z.array(
          z.object({
            key: z.string(),
            at: Count,
            usd: z.number().nonnegative(),
            tokens: Count,
            held: z.boolean(),
          }),
        ),
        running: Count,
        overrun: z.object({ usd: z.number().nonnegative(), tokens: Count }),
      }),
    ),
    holds: z.record(
      z.string(),
      z.object({
        attempt: z.number().int().positive(),
        at: Count,
        usd: z.number().nonnegative(),
        tokens: Count,
        models: z.array(z.string()).readonly().optional(),
      }),
    ),
    declared: z.record(
      z.string(),
      z.object({
        usd: z.number().positive().optional(),
        tokens: z.number().int().positive().optional(),
        onLimit: z.enum(['wait', 'fail']).optional(),
      }),
    ),
    clock: Count,
    capacity: z
      .object({ capacity: z.number().int().positive(), reserves: z.record(z.string(), Count) })
      .optional(),
    running: z.record(z.string(), Count).default({}),
  })
  .default(initialLimits);
const Kind = z.enum(RuntimeKind);

const LiveLaunch = z.object({
  launchId: LaunchId,
  project: ProjectId,
  taskId: TaskId,
  reqSig: z.string(),
  template: z.string(),
  runtime: Kind,
  keyId: KeyId,
  requestedAt: Count,
  status: z.enum(['requested', 'started']),
  workerId: WorkerId.optional(),
});
const LaunchBackoff = z.object({
  failures: Count,
  retryAt: Count,
  project: ProjectId,
  reqSig: z.string(),
  runtime: Kind,
  code: z.string(),
  message: z.string(),
});
const RuntimeChoice = z.object({
  launchId: LaunchId,
  template: z.string(),
  runtime: Kind,
  reason: z.string(),
});
const Key = z.custom<TaskKey>((v) => typeof v === 'string', 'a task key');

const Capability = z.object({
  project: ProjectId,
  pool: PoolId,
  models: z.array(ModelName),
  labels: Labels,
  exclusive: z.array(z.string()),
  runtime: Runtime,
});

const Demand = z.object({
  project: ProjectId,
  pool: PoolId,
  requirements: Requirements,
  timeoutMs: z.number().int().positive(),
});

const TaskCommon = {
  id: TaskId,
  key: Key,
  demand: Demand,
  reqSig: z.string(),
  priority: z.number().int(),
  payload: z.json(),
  maxAttempts: z.number().int().positive(),
  submittedSeq: Count,
  attempts: Count,
};

const TaskState = z.union([
  z.object({ ...TaskCommon, status: z.literal('queued') }),
  z.object({
    ...TaskCommon,
    status: z.literal('assigned'),
    workerId: WorkerId,
    attempt: z.number().int().positive(),
    leaseExpiresAt: Count,
    assignedSeq: Count,
  }),
  z.object({
    id: TaskId,
    key: Key,
    demand: z.object({ project: ProjectId, pool: PoolId }).loose(),
    reqSig: z.string().optional(),
    priority: z.number().int().optional(),
    maxAttempts: z.number().int().positive().optional(),
    submittedSeq: Count,
    attempts: Count,
    status: z.enum(['completed', 'failed', 'cancelled', 'dead_lettered', 'timed_out']),
    endedSeq: Count,
  }),
]);

const WorkerState = z.object({
  id: WorkerId,
  keyId: KeyId,
  capability: Capability,
  capSig: z.string(),
  capacity: z.number().int().positive(),
  status: z.enum(WorkerStatus),
  held: z.array(Key),
  enrolledSeq: Count,
});

/**
 * A pool's dispatcher state as a checkpoint stores it. Settings are not trusted from the
 * checkpoint: a restored state gets the defaults the projection folds with.
 */
export const DispatchStateSchema: z.ZodType<DispatchState> = z
  .object({
    config: z.object({ pool: PoolId }).loose(),
    position: Count,
    workers: z.record(z.string(), WorkerState),
    tasks: z.record(z.string(), TaskState),
    queues: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.array(Key)))),
    demands: z.record(z.string(), Demand),
    capabilities: z.record(
      z.string(),
      z.object({ capability: Capability, workers: z.array(WorkerId), active: Count, free: Count }),
    ),
    fair: z.object({
      clock: z.number(),
      tags: z.record(z.string(), z.number()),
      // Measured use (fair-use.ts): absent from checkpoints older than it.
      use: z
        .record(
          z.string(),
          z.object({ tokens: z.number(), ms: z.number(), attempts: z.number(), at: z.number() }),
        )
        .default({}),
    }),
    rejections: z.object({
      byReason: z.record(z.string(), Count),
      recent: z.array(
        z.object({ seq: Count, type: z.string(), reason: z.string(), detail: z.string() }),
      ),
    }),
    claimsRefused: z.record(z.string(), Count),
    refusedTasks: z.record(z.string(), z.object({ seq: Count, reason: z.string() })),
    limits: LimitsStateSchema,
    endedOrder: z.array(z.string()).optional(),
    ended: z.record(z.string(), Count).optional(),
    // Checkpoints from before launches existed have none.
    launches: z
      .object({
        live: z.record(z.string(), LiveLaunch),
        backoff: z.record(z.string(), LaunchBackoff),
        choices: z.record(z.string(), RuntimeChoice),
        choiceOrder: z.array(z.string()),
      })
      .default(initialLaunchState),
    // Absent from checkpoints older than retry backoff.
    delayed: z
      .record(z.string(), z.object({ readyAt: Count, attempt: Count, since: Count }))
      .default({}),
    retryPolicies: z.record(z.string(), RetryPolicy).default({}),
    // Absent from checkpoints older than deadlines.
    deadlines: z
      .record(
        z.string(),
        z
          .object({
            asked: Deadlines,
            startBy: Count.optional(),
            closeBy: Count.optional(),
            endBy: Count.optional(),
          })
          .strict(),
      )
      .default({}),
    digests: z.record(z.string(), Count).default({}),
    resubmissions: z
      .record(z.string(), z.object({ seq: Count, reason: z.string(), detail: z.string() }))
      .default({}),
    forgetting: z.object({
      clock: z.number(),
      ended: EndedQueue,
      deadLettered: EndedQueue,
    }),
    progress: z
      .record(
        z.string(),
        z.object({
          attempt: Count,
          done: z.number().nonnegative().optional(),
          total: z.number().positive().optional(),
          message: z.string().optional(),
          outputTail: z.string().optional(),
          outputChars: Count.optional(),
          at: Count,
          seq: Count,
        }),
      )
      .default({}),
  })
  // Tasks come back as the fold's records, sharing one spec per kind.
  .transform((s) => fromPlainState({ ...s, config: { ...defaultConfig, pool: s.config.pool } }));

/** The state the projection folds a pool with before any event: the dispatcher's defaults. */
export const initialPoolState = (pool: string): DispatchState =>
  initialState({ pool: pool as PoolId });
