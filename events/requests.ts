import { z } from 'zod';
import { PoolId, ProjectId, TaskId } from './ids.ts';
import { ClaimRejectReason } from './claim-events.ts';

/** Body of a worker's claim request on its claim subject. */
export const ClaimRequest = z
  .object({
    /** At most this many tasks. */
    max: z.number().int().min(1).max(1000).default(1),
    /** Long-poll: how long the dispatcher may hold the request when nothing is queued. */
    waitMs: z.number().int().min(0).max(60_000).default(10_000),
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

/** The dispatcher's answer to a heartbeat: the worker's status and attempts it must abandon. */
export const HeartbeatReply = z
  .object({
    status: z.enum(['active', 'draining', 'left', 'lost', 'revoked', 'unknown']),
    abort: z.array(z.object({ taskId: TaskId, attempt: z.number().int().positive() }).strict()),
  })
  .strict();
export type HeartbeatReply = z.infer<typeof HeartbeatReply>;
