import type { ProjectionsSnapshot } from '../projections/index.ts';

/** Cumulative latency buckets as the latency view gives them (null: past the last bound). */
export type HistoryBuckets = readonly { readonly leMs: number | null; readonly count: number }[];

/** What the page's charts need of one snapshot: counts and cumulative latency buckets. */
export interface HistoryPoint {
  /** When it was taken, epoch ms. */
  readonly t: number;
  /** Tasks completed since the start (of the scope). */
  readonly completed: number;
  readonly wait: HistoryBuckets;
  readonly run: HistoryBuckets;
  readonly waitMaxMs: number | null;
  readonly runMaxMs: number | null;
}

/** The history point of a snapshot (already cut to a scope), at time `t`. */
export const historyPointOf = (snapshot: ProjectionsSnapshot, t: number): HistoryPoint => {
  const { submitToAssign: wait, assignToComplete: run } = snapshot.latency.total;
  return {
    t,
    completed: snapshot.fleet.totals.tasks.completed,
    wait: wait.buckets,
    run: run.buckets,
    waitMaxMs: wait.maxMs,
    runMaxMs: run.maxMs,
  };
};

/** The latest `capacity` points, oldest first; the oldest goes when a point arrives past it. */
export class HistoryRing {
  readonly #points: HistoryPoint[] = [];

  constructor(readonly capacity: number) {}

  push(point: HistoryPoint): void {
    this.#points.push(point);
    if (this.#points.length > this.capacity) this.#points.shift();
  }

  points(): readonly HistoryPoint[] {
    return [...this.#points];
  }
}
