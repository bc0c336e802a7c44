import { z } from 'zod';
import { TaskId } from './ids.ts';

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
