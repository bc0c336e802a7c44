import { z } from 'zod';

/**
 * Metadata every event carries. `at` is the writer's clock in epoch milliseconds and is
 * informational: ordering and lease arithmetic use the stream's sequence and timestamp.
 */
export const EventMeta = z
  .object({
    at: z.number().int().nonnegative(),
    /** Ties an event to the request or event that caused it. */
    correlationId: z.string().min(1).max(128).optional(),
  })
  .strict();
export type EventMeta = z.infer<typeof EventMeta>;
