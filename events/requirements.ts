import { z } from 'zod';
import { ModelName } from './ids.ts';
import { LabelConstraint } from './labels.ts';
import { RuntimeKind } from './runtime.ts';

/** The hard requirements of a task. Every one must hold for a worker to be eligible. */
export const Requirements = z
  .object({
    /** Acceptable models, any of which will do. Absent: the task needs no model. */
    models: z.array(ModelName).min(1).max(32).optional(),
    /** Constraints on worker labels, all of which must hold. */
    labels: z.array(LabelConstraint).max(32).default([]),
    /** Acceptable runtimes. Absent: any runtime. */
    runtimes: z.array(z.enum(RuntimeKind)).min(1).optional(),
    /** Memory the task needs; a worker whose runtime declares less is not eligible. */
    memoryMb: z.number().int().positive().optional(),
  })
  .strict();
export type Requirements = z.infer<typeof Requirements>;
