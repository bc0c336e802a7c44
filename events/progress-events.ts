import { z } from 'zod';
import { defineEvent } from './define-event.ts';
import { PoolId, ProjectId, TaskId, WorkerId } from './ids.ts';

/** Bounds of progress reports, shared by the worker SDK, the fold and the schemas. */
export const ProgressLimits = {
  /** Longest progress message, in characters. */
  maxMessage: 256,
  /** Longest chunk of partial output one report carries, in characters. */
  maxOutput: 8_192,
  /**
   * Characters of partial output the fold keeps per running attempt (the latest): what `fleet
   * status --follow` reads without access to the stream.
   */
  keptOutput: 2_048,
  /**
   * Least stream time between two progress reports of one attempt that the fold takes: a
   * report sooner than this after the last one taken is refused (`too_frequent`) and counted.
   */
  minIntervalMs: 250,
  /** How often the worker SDK sends progress at most, per attempt: the latest value wins. */
  sdkIntervalMs: 1_000,
} as const;

/**
 * A worker tells how far a running attempt has got: `done` of `total` (units of its own), a
 * short `message`, and a chunk of partial `output` (text, in order). Written by the worker on its
 * `.report` subject. The fold keeps the latest `done`, `total` and `message` of the current
 * attempt (`fleet status`, the HUD) and the last `ProgressLimits.keptOutput` characters of its
 * partial output with their count (`fleet status --follow` prints what is new); the whole output
 * stays in the stream. Only the worker holding the attempt may report it, at most
 * one report per `ProgressLimits.minIntervalMs` of stream time.
 */
export const TaskProgress = defineEvent(
  'task.progress',
  z
    .object({
      taskId: TaskId,
      project: ProjectId,
      pool: PoolId,
      workerId: WorkerId,
      attempt: z.number().int().positive(),
      done: z.number().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
      total: z.number().positive().max(Number.MAX_SAFE_INTEGER).optional(),
      message: z.string().max(ProgressLimits.maxMessage).optional(),
      output: z.string().max(ProgressLimits.maxOutput).optional(),
    })
    .strict(),
);
export type TaskProgress = z.infer<typeof TaskProgress>;
