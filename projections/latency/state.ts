import { z } from 'zod';
import { HistogramSchema } from './histogram.ts';
import type { Histogram } from './histogram.ts';

/** The two latencies of one project in one pool. */
export interface LatencyGroup {
  readonly project: string;
  readonly pool: string;
  /** From the submission message to the task's first accepted assignment. */
  submitToAssign: Histogram;
  /** From an accepted assignment to the accepted completion of that attempt. */
  assignToComplete: Histogram;
}

/** Latency histograms, folded from the stream timestamps of accepted events. */
export interface LatencyState {
  /** Stream times of each live task (`pool|project|task`). */
  live: Record<string, { submittedAt: number | null; assignedAt: number | null }>;
  /** Keyed `project|pool`. */
  groups: Record<string, LatencyGroup>;
}

/** Latency before any event. */
export const initialLatencyState = (): LatencyState => ({ live: {}, groups: {} });

const At = z.number().nonnegative().nullable();

/** Validates a checkpointed latency state. */
export const LatencyStateSchema: z.ZodType<LatencyState> = z.object({
  live: z.record(z.string(), z.object({ submittedAt: At, assignedAt: At })),
  groups: z.record(
    z.string(),
    z.object({
      project: z.string(),
      pool: z.string(),
      submitToAssign: HistogramSchema,
      assignToComplete: HistogramSchema,
    }),
  ),
});
