import { z } from 'zod';
import type { DispatchState, TaskStatus } from '../../domain/pool/index.ts';
import { DispatchStateSchema } from './dispatch-state-schema.ts';

/** Reports counted in one second of stream time. */
export interface ReportCount {
  completed: number;
  failed: number;
}

/**
 * The live fleet, folded from the whole stream. Every record below is keyed by pool first:
 * the dispatcher folds each pool on its own, and so does this projection.
 */
export interface FleetState {
  /** Each pool's state under the dispatcher's own fold: what it accepted is what happened. */
  pools: Record<string, DispatchState>;
  /**
   * Stream time each worker was last seen *in the log* — its enrollment, assignments and
   * reports. Heartbeats are request/reply and never stored, so a silent but healthy worker
   * shows the time of its last stored event; the dispatcher's `worker.lost` is the liveness
   * verdict.
   */
  lastSeen: Record<string, Record<string, number>>;
  /** Stream time of each submission message (by sequence) that still has live tasks. */
  submissions: Record<string, Record<string, { at: number; live: number }>>;
  /** Task counts by status, per pool and project. */
  tasks: Record<string, Record<string, Partial<Record<TaskStatus, number>>>>;
  /** Accepted reports per second of stream time (epoch seconds), per pool and project; the last minute only. */
  recent: Record<string, Record<string, Record<string, ReportCount>>>;
}

/** The fleet before any event. */
export const initialFleetState = (): FleetState => ({
  pools: {},
  lastSeen: {},
  submissions: {},
  tasks: {},
  recent: {},
});

const Count = z.number().int().nonnegative();
const TaskStatusSchema = z.enum([
  'queued',
  'assigned',
  'completed',
  'failed',
  'cancelled',
  'dead_lettered',
  'timed_out',
]);

/** Validates a checkpointed fleet state. */
export const FleetStateSchema: z.ZodType<FleetState> = z.object({
  pools: z.record(z.string(), DispatchStateSchema),
  lastSeen: z.record(z.string(), z.record(z.string(), Count)),
  submissions: z.record(z.string(), z.record(z.string(), z.object({ at: Count, live: Count }))),
  tasks: z.record(z.string(), z.record(z.string(), z.partialRecord(TaskStatusSchema, Count))),
  recent: z.record(
    z.string(),
    z.record(z.string(), z.record(z.string(), z.object({ completed: Count, failed: Count }))),
  ),
});
