import { z } from 'zod';
import { ModelName } from './ids.ts';
import { Labels } from './labels.ts';
import { TemplateName } from './launch-events.ts';
import { Runtime } from './runtime.ts';

/**
 * What a provisioner may launch for a pool: one-shot workers of a runtime, with the labels and
 * models their single-use key fixes, the limits each attempt runs under, how many may run at
 * once and what one launch costs. A pool's templates are the provisioner's configuration
 * (`fleet provisioner --templates file.json`), the same for every replica.
 */
export const RuntimeTemplate = z
  .object({
    name: TemplateName,
    /**
     * The runtime and its limits: a task fits only when its timeout is within `maxDurationMs`
     * and its memory within `memoryMb` (a Lambda's 15 minutes and its memory size, say).
     */
    runtime: Runtime.refine((r) => r.kind !== 'process', {
      error: 'a template launches docker, kubernetes or lambda workers, not processes',
    }),
    /** Labels of every worker launched from it: exactly these, fixed by its key. */
    labels: Labels.default({}),
    /** Models its workers serve; empty: none asked for. */
    models: z.array(ModelName).max(64).default([]),
    /** The image of each attempt (docker, kubernetes); the launcher's own when absent. */
    image: z.string().min(1).max(512).optional(),
    /** The container's command (docker, kubernetes); the image's own when absent. */
    command: z.array(z.string().max(4096)).min(1).max(64).optional(),
    /** The Lambda function's name or ARN (lambda): each attempt is one invocation of it. */
    function: z.string().min(1).max(256).optional(),
    /** CPUs of each attempt, fractional. */
    cpus: z.number().positive().max(1024).optional(),
    /** Added to each attempt's environment. */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(4096)).default({}),
    /** Most workers of this template launched and not yet gone, at once. */
    maxConcurrent: z.number().int().positive().max(10_000).default(1),
    /** What one launch costs, in the operator's unit: the cheapest fit is chosen. */
    cost: z.number().nonnegative().default(0),
  })
  .strict();
export type RuntimeTemplate = z.infer<typeof RuntimeTemplate>;
export type RuntimeTemplateInput = z.input<typeof RuntimeTemplate>;

/** A pool's templates, names unique. */
export const RuntimeTemplates = z
  .array(RuntimeTemplate)
  .max(64)
  .refine((ts) => new Set(ts.map((t) => t.name)).size === ts.length, {
    error: 'template names must be unique',
  });
