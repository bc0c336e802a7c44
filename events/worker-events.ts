import { z } from 'zod';
import { defineEvent } from './define-event.ts';
import { KeyId, ModelName, PoolId, ProjectId, UserPublicKey, WorkerId } from './ids.ts';
import { LabelKey, Labels } from './labels.ts';
import { Runtime } from './runtime.ts';

const WorkerRef = { workerId: WorkerId, project: ProjectId, pool: PoolId };

/** The registrar admits a worker with a key. Written on `fleet.<project>.<pool>.member.<id>`. */
export const WorkerEnrolled = defineEvent(
  'worker.enrolled',
  z
    .object({
      ...WorkerRef,
      keyId: KeyId,
      models: z.array(ModelName).max(64).default([]),
      labels: Labels.default({}),
      /**
       * Label keys reserved for tasks that ask for them (a reserved GPU, say): the worker takes
       * only tasks with a positive constraint (`eq in exists gt gte lt lte`) on each.
       */
      exclusive: z.array(LabelKey).max(16).default([]),
      runtime: Runtime.default({ kind: 'process' }),
      /** How many attempts the worker runs at once. */
      capacity: z.number().int().min(1).max(10_000).default(1),
      /** The worker's NATS user public key, when its credentials are issued by the registrar. */
      publicKey: UserPublicKey.optional(),
    })
    .strict(),
);
export type WorkerEnrolled = z.infer<typeof WorkerEnrolled>;

/**
 * The worker stops taking new work; it finishes what it holds. Written by the worker, or by an
 * operator on the worker's subject (`fleet workers drain`).
 */
export const WorkerDraining = defineEvent('worker.draining', z.object(WorkerRef).strict());
export type WorkerDraining = z.infer<typeof WorkerDraining>;

/** The worker has shut down cleanly. Written by the worker. */
export const WorkerLeft = defineEvent('worker.left', z.object(WorkerRef).strict());
export type WorkerLeft = z.infer<typeof WorkerLeft>;

/** The dispatcher declares a silent worker lost. It must enroll again. Written on `.dispatch`. */
export const WorkerLost = defineEvent(
  'worker.lost',
  z.object({ ...WorkerRef, lastSeenAt: z.number().int().nonnegative() }).strict(),
);
export type WorkerLost = z.infer<typeof WorkerLost>;

/** An operator locks a worker out (`fleet workers revoke`), on the worker's member subject. */
export const WorkerRevoked = defineEvent(
  'worker.revoked',
  z.object({ ...WorkerRef, reason: z.string().max(512).optional() }).strict(),
);
export type WorkerRevoked = z.infer<typeof WorkerRevoked>;
