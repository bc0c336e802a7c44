import { z } from 'zod';
import { defineEvent } from './define-event.ts';
import { PoolId, ProjectId, WorkerId } from './ids.ts';

/** Why the dispatcher refused a claim. */
export const ClaimRejectReason = {
  unknownWorker: 'unknown_worker',
  crossProject: 'cross_project',
  wrongPool: 'wrong_pool',
  workerRevoked: 'worker_revoked',
  workerLost: 'worker_lost',
  workerDraining: 'worker_draining',
  workerLeft: 'worker_left',
} as const;
export type ClaimRejectReason = (typeof ClaimRejectReason)[keyof typeof ClaimRejectReason];

/**
 * The dispatcher refused a claim at the dispatch boundary. Written on
 * `fleet.<project>.<pool>.rejected`, where project and pool are those the claim's subject named.
 */
export const ClaimRejected = defineEvent(
  'claim.rejected',
  z
    .object({
      workerId: WorkerId,
      project: ProjectId,
      pool: PoolId,
      reason: z.enum(ClaimRejectReason),
      detail: z.string().max(512).optional(),
    })
    .strict(),
);
export type ClaimRejected = z.infer<typeof ClaimRejected>;
