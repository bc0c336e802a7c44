import { z } from 'zod';

/** What reports in one cell (project, pool, model, worker or hour) add up to. */
export interface CostCell {
  /** Tasks completed. */
  completed: number;
  /** Tasks a failure report ended (not retryable, or its last attempt). */
  failed: number;
  /** Failed attempts reported, retried or not. */
  failures: number;
  tokensIn: number;
  tokensOut: number;
  /** USD the workers reported. */
  reportedUsd: number;
  /** Tokens of reports that gave no cost: priced from the price table when viewed. */
  unpricedIn: number;
  unpricedOut: number;
  /** Wall time the attempts took on their workers (`usage.durationMs`). */
  computeMs: number;
}

/** All-time figures of one project, pool, model and worker. */
export interface WorkerCell extends CostCell {
  readonly project: string;
  readonly pool: string;
  readonly model: string;
  readonly workerId: string;
}

/** Figures of one UTC hour of stream time, project, pool and model. */
export interface HourCell extends CostCell {
  /** Start of the hour, epoch ms. */
  readonly hour: number;
  readonly project: string;
  readonly pool: string;
  readonly model: string;
}

/** The cost rollup, folded from accepted reports only. */
export interface CostsState {
  /** Models each worker (`pool|worker`) offers, to name the model of a report that does not. */
  workers: Record<string, string[]>;
  /** The one model each live task (`pool|project|task`) asked for, when it asked for one. */
  taskModels: Record<string, string>;
  /** Keyed `project|pool|model|worker`. */
  totals: Record<string, WorkerCell>;
  /** Keyed `hour|project|pool|model`; the last {@link HOURLY_RETENTION_HOURS} hours only. */
  hourly: Record<string, HourCell>;
  /** The latest hour folded. */
  latestHour: number;
}

/** How many hours of hourly figures are kept (the totals keep everything). */
export const HOURLY_RETENTION_HOURS = 24 * 31;

/** A cell with nothing in it. */
export const emptyCell = (): CostCell => ({
  completed: 0,
  failed: 0,
  failures: 0,
  tokensIn: 0,
  tokensOut: 0,
  reportedUsd: 0,
  unpricedIn: 0,
  unpricedOut: 0,
  computeMs: 0,
});

/** The rollup before any event. */
export const initialCostsState = (): CostsState => ({
  workers: {},
  taskModels: {},
  totals: {},
  hourly: {},
  latestHour: 0,
});

const N = z.number().nonnegative();
const Cell = {
  completed: N,
  failed: N,
  failures: N,
  tokensIn: N,
  tokensOut: N,
  reportedUsd: N,
  unpricedIn: N,
  unpricedOut: N,
  computeMs: N,
  project: z.string(),
  pool: z.string(),
  model: z.string(),
};

/** Validates a checkpointed rollup. */
export const CostsStateSchema: z.ZodType<CostsState> = z.object({
  workers: z.record(z.string(), z.array(z.string())),
  taskModels: z.record(z.string(), z.string()),
  totals: z.record(z.string(), z.object({ ...Cell, workerId: z.string() })),
  hourly: z.record(z.string(), z.object({ ...Cell, hour: N })),
  latestHour: N,
});
