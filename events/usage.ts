import { z } from 'zod';
import { ModelName } from './ids.ts';

/** What one attempt consumed, as the worker reports it. */
export const Usage = z
  .object({
    tokensIn: z.number().int().nonnegative().default(0),
    tokensOut: z.number().int().nonnegative().default(0),
    /** Cost in USD; when absent, projections price tokens from the model's price table. */
    costUsd: z.number().nonnegative().optional(),
    /** Wall time of the attempt on the worker. */
    durationMs: z.number().int().nonnegative().default(0),
    /** The model that actually served the task. */
    model: ModelName.optional(),
  })
  .strict();
export type Usage = z.infer<typeof Usage>;
