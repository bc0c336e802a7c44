import { z } from 'zod';
import {
  CurvePublicKey,
  ModelName,
  PoolId,
  ProjectId,
  TaskId,
  UserPublicKey,
  WorkerId,
} from './ids.ts';
import { LabelKey, Labels } from './labels.ts';
import { Runtime, RuntimeKind } from './runtime.ts';
import { ClaimRejectReason } from './claim-events.ts';
import { TaskReport } from './task-report.ts';
import { ProgressLimits } from './progress-events.ts';

/** Body of a worker's claim request on its claim subject. */
export const ClaimRequest = z
  .object({
    /** At most this many tasks. */
    max: z.number().int().min(1).max(1000).default(1),
    /** Long-poll: how long the dispatcher may hold the request when nothing is queued. */
    waitMs: z.number().int().min(0).max(60_000).default(10_000),
    /**
     * The worker's count of its claims. A worker asks one claim at a time, but sends a new one
     * when the dispatcher serving its pool changed (a heartbeat reply names another `server`):
     * the one before may never be answered. A dispatcher holds one claim per worker, the
     * latest; an older one is answered with nothing. Older dispatchers refuse the field.
     */
    id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();
export type ClaimRequest = z.infer<typeof ClaimRequest>;

/** Body of a heartbeat: the attempts the worker believes it holds. */
export const Heartbeat = z
  .object({
    attempts: z
      .array(z.object({ taskId: TaskId, attempt: z.number().int().positive() }).strict())
      .max(10_000),
  })
  .strict();
export type Heartbeat = z.infer<typeof Heartbeat>;

/** One assignment as a worker receives it: enough to run the attempt and report it. */
export const Assignment = z
  .object({
    taskId: TaskId,
    project: ProjectId,
    pool: PoolId,
    attempt: z.number().int().positive(),
    /** Epoch ms; past it the attempt is abandoned and the task requeued. */
    leaseExpiresAt: z.number().int().nonnegative(),
    timeoutMs: z.number().int().positive(),
    payload: z.json(),
  })
  .strict();
export type Assignment = z.infer<typeof Assignment>;

/** The dispatcher's answer to a claim: assignments (maybe none, after the wait), or a refusal. */
export const ClaimReply = z.union([
  z.object({ assignments: z.array(Assignment) }).strict(),
  z
    .object({
      refused: z.object({ reason: z.enum(ClaimRejectReason), detail: z.string() }).strict(),
    })
    .strict(),
]);
export type ClaimReply = z.infer<typeof ClaimReply>;

/**
 * The dispatcher's answer to a heartbeat: the worker's status, attempts it must abandon, and
 * the leases of the attempts it still holds, as heartbeats extend them. An abandoned attempt's
 * `reason` is `cancelled` when its task was cancelled while it ran (the handler's signal then
 * aborts with `why: 'cancelled'`); absent, the attempt is simply no longer the worker's. Only
 * attempts the beat named are answered, and only of the worker's own project.
 */
export const HeartbeatReply = z
  .object({
    status: z.enum(['active', 'draining', 'left', 'lost', 'revoked', 'unknown']),
    abort: z.array(
      z
        .object({
          taskId: TaskId,
          attempt: z.number().int().positive(),
          reason: z.enum(['cancelled']).optional(),
        })
        .strict(),
    ),
    /** Epoch ms each held attempt named in the beat may run until (the dispatcher's clock). */
    leases: z
      .array(
        z
          .object({
            taskId: TaskId,
            attempt: z.number().int().positive(),
            leaseExpiresAt: z.number().int().nonnegative(),
          })
          .strict(),
      )
      .optional(),
    /**
     * Which dispatcher serves the pool, for this term of service (an opaque id, new at each
     * takeover). A worker whose claim went out under another one asks again at once: a claim
     * held by a dispatcher that died is answered by nobody.
     */
    server: z.string().min(1).max(64).optional(),
  })
  .strict();
export type HeartbeatReply = z.infer<typeof HeartbeatReply>;

/** Why the registrar refused an enrollment. */
export const EnrollRefusal = {
  invalidRequest: 'invalid_request',
  unknownKey: 'unknown_key',
  badSecret: 'bad_secret',
  expired: 'expired',
  revoked: 'revoked',
  exhausted: 'exhausted',
  modelNotAllowed: 'model_not_allowed',
  rateLimited: 'rate_limited',
  /** A renewal for a worker the registrar does not know, or that enrolled without a public key. */
  unknownWorker: 'unknown_worker',
  /** A renewal whose signature does not verify, or whose time is too far from the registrar's. */
  badProof: 'bad_proof',
  /** A renewal for a revoked worker. */
  workerRevoked: 'worker_revoked',
  /** A renewal for a worker its dispatcher declared lost. */
  workerLost: 'worker_lost',
  /** A renewal for a worker that announced `worker.left`. */
  workerLeft: 'worker_left',
} as const;
export type EnrollRefusal = (typeof EnrollRefusal)[keyof typeof EnrollRefusal];

/**
 * Body of an enrollment request on `fleet_rpc.enroll`. The key is the secret printed once by
 * `fleet keys create` (`fk_<keyId>_<secret>`); project, pool and the key's labels come from
 * the key, never from the request.
 */
export const EnrollRequest = z
  .object({
    key: z.string().min(1).max(256),
    models: z.array(ModelName).max(64).default([]),
    labels: Labels.default({}),
    runtime: Runtime.default({ kind: 'process' }),
    capacity: z.number().int().min(1).max(10_000).default(1),
    /**
     * The worker's own NATS user public key (an nkey, `U…`). A registrar that issues transport
     * credentials requires it and signs a user JWT for it; the worker's seed never travels.
     */
    publicKey: UserPublicKey.optional(),
    /**
     * A curve public key (`X…`) the worker drew for this enrollment. A registrar that issues
     * credentials requires it and seals its answer to it: the enrollment user is shared by
     * every enrolling host, so anything it may read, every host may read.
     */
    sealKey: CurvePublicKey.optional(),
  })
  .strict();
export type EnrollRequest = z.infer<typeof EnrollRequest>;

/**
 * Body of a credentials renewal on `fleet_rpc.enroll`, sent by an enrolled worker before its
 * credentials expire: its current, still valid user JWT, and `signature`, its nkey signature
 * (base64url) of `fleet-renew\n<root>\n<workerId>\n<at>`, which proves it holds the seed of
 * the public key it enrolled with.
 */
export const RenewRequest = z
  .object({
    renew: z
      .object({
        workerId: WorkerId,
        jwt: z.string().min(1).max(16_384),
        /** Epoch ms when signed; the registrar refuses proofs far from its own clock. */
        at: z.number().int().nonnegative(),
        signature: z
          .string()
          .min(1)
          .max(256)
          .regex(/^[A-Za-z0-9_-]+$/),
      })
      .strict(),
  })
  .strict();
export type RenewRequest = z.infer<typeof RenewRequest>;

/** NATS user credentials issued to a worker: a signed user JWT for its own public key. */
export const WorkerCredentials = z
  .object({
    jwt: z.string().min(1).max(16_384),
    /** Epoch ms after which the server refuses the JWT. */
    expiresAt: z.number().int().nonnegative(),
  })
  .strict();
export type WorkerCredentials = z.infer<typeof WorkerCredentials>;

/** An admitted enrollment: the new worker's identity, and its credentials when secure. */
const Admitted = z
  .object({
    worker: z
      .object({
        workerId: WorkerId,
        project: ProjectId,
        pool: PoolId,
        models: z.array(ModelName),
        labels: Labels,
        exclusive: z.array(LabelKey),
        runtime: Runtime,
        capacity: z.number().int().positive(),
      })
      .strict(),
    /** Present when the registrar issues transport credentials (a secure deployment). */
    credentials: WorkerCredentials.optional(),
  })
  .strict();
export type EnrollAdmitted = z.infer<typeof Admitted>;
export { Admitted as EnrollAdmitted };

/**
 * An admitted enrollment sealed to the request's `sealKey`: `box` (base64url) opens, with the
 * worker's curve seed and the registrar's curve public key `by`, to the JSON of an admitted
 * enrollment. Only the host that drew the seal key can read it.
 */
export const SealedEnrollment = z
  .object({
    sealed: z
      .object({
        by: CurvePublicKey,
        box: z
          .string()
          .min(1)
          .max(65_536)
          .regex(/^[A-Za-z0-9_-]+$/),
      })
      .strict(),
  })
  .strict();
export type SealedEnrollment = z.infer<typeof SealedEnrollment>;

/** The registrar's answer: the new worker's identity (sealed when secure), or a refusal. */
export const EnrollReply = z.union([
  Admitted,
  SealedEnrollment,
  z
    .object({ refused: z.object({ reason: z.enum(EnrollRefusal), detail: z.string() }).strict() })
    .strict(),
]);
export type EnrollReply = z.infer<typeof EnrollReply>;

/** Body of a task-status request on `fleet_rpc.<project>.<pool>.status`. */
export const TaskStatusRequest = z
  .object({
    taskId: TaskId,
    /** Long-poll: answer once the task has ended, or after this long. 0 answers at once. */
    waitMs: z.number().int().min(0).max(300_000).default(0),
    /**
     * Once the task has ended on a message of the stream, include what its report said
     * (`report`): how a producer, which has no JetStream API, reads its task's output. Older
     * dispatchers refuse the field; send it only when wanted.
     */
    withReport: z.boolean().default(false),
  })
  .strict();
export type TaskStatusRequest = z.infer<typeof TaskStatusRequest>;

/** Where a task stands, as its pool's dispatcher folded it. */
export const TaskStatusReply = z
  .object({
    taskId: TaskId,
    project: ProjectId,
    pool: PoolId,
    status: z.enum([
      'queued',
      'assigned',
      'completed',
      'failed',
      'cancelled',
      'dead_lettered',
      /** A deadline ran out (`report.error.code` says which: `schedule_to_start`, …). */
      'timed_out',
      /** The submission was refused; `reason` says why. */
      'rejected',
      /** No such task in this project and pool. */
      'unknown',
    ]),
    attempts: z.number().int().nonnegative(),
    /** Stream sequence of the message that ended the task (its report, say). */
    endedSeq: z.number().int().positive().optional(),
    reason: z.string().optional(),
    /**
     * Asked `withReport`, for a task that ended on `endedSeq` (not cancelled): what that
     * message reported for this task of this project; empty when it is no report of it.
     */
    report: TaskReport.optional(),
    /**
     * Asked `withReport`, why an ended task's `report` is missing: `too_large`, the reply would
     * exceed the server's max payload (an operator reads it from the stream at `endedSeq`);
     * `unavailable`, the dispatcher could not read the message.
     */
    reportOmitted: z.enum(['too_large', 'unavailable']).optional(),
    /**
     * The runtime chosen for the task: when a one-shot worker was launched for it, the
     * template, its runtime and why (the fit, no free warm worker, the cost); when a live
     * worker holds it without a launch, that worker's runtime (a warm worker).
     */
    runtime: z
      .object({
        kind: z.enum(RuntimeKind),
        template: z.string().max(64).optional(),
        reason: z.string().max(1024),
      })
      .strict()
      .optional(),
    /**
     * The latest submission of the task's id after the first (the sequence it was stored at): a
     * `duplicate` with the same body changed nothing; a `conflict`, with another, was refused.
     */
    resubmitted: z
      .object({
        seq: z.number().int().positive(),
        reason: z.enum(['duplicate', 'conflict']),
        detail: z.string().max(2_048),
      })
      .strict()
      .optional(),
    /**
     * A running task whose worker reported progress: the latest `done`, `total` and `message`
     * of the current attempt, when it was stored (`at`, stream time), and the last characters
     * of its partial output (`outputTail`) with the count of all so far (`outputChars`).
     */
    progress: z
      .object({
        attempt: z.number().int().positive(),
        done: z.number().nonnegative().optional(),
        total: z.number().positive().optional(),
        message: z.string().max(ProgressLimits.maxMessage).optional(),
        outputTail: z.string().max(ProgressLimits.keptOutput).optional(),
        outputChars: z.number().int().nonnegative().optional(),
        at: z.number().int().nonnegative(),
      })
      .strict()
      .optional(),
    /**
     * A queued task: why it has not started, as the dispatcher sees its pool — the reason's
     * kind, and in words the text `fleet top` shows (`no active worker`, `unmet model: …`).
     */
    waiting: z
      .object({
        reason: z.enum([
          'no_workers',
          'unmet',
          'no_single_worker',
          'workers_busy',
          'awaiting_claim',
          'over_limit',
          /** The pool's capacity is taken, or its free slots are reserved for other projects. */
          'pool_capacity',
          /** A one-shot worker is being launched for it (see `runtime`). */
          'launching',
          /** The launch of a one-shot worker for it failed; its template backs off. */
          'launch_backoff',
          /** It waits out a retry's backoff after a failed attempt. */
          'backoff',
          /** It waits for its `notBefore`, as it was submitted. */
          'not_before',
        ]),
        detail: z.string().max(2_048),
      })
      .strict()
      .optional(),
  })
  .strict();
export type TaskStatusReply = z.infer<typeof TaskStatusReply>;
