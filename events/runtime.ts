import { z } from 'zod';

/** Where a worker runs its tasks. */
export const RuntimeKind = {
  process: 'process',
  docker: 'docker',
  kubernetes: 'kubernetes',
  lambda: 'lambda',
} as const;
export type RuntimeKind = (typeof RuntimeKind)[keyof typeof RuntimeKind];

/** A worker's runtime and its limits; a task fits only when it is within them. */
export const Runtime = z
  .object({
    kind: z.enum(RuntimeKind),
    /** Longest a task may run here (a Lambda's 15 minutes, say). */
    maxDurationMs: z.number().int().positive().optional(),
    /** Memory available to one task. */
    memoryMb: z.number().int().positive().optional(),
  })
  .strict();
export type Runtime = z.infer<typeof Runtime>;
