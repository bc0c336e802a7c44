/** What a Fleet measurement is asked to run: the worker layout and the run's bounds. */

/** One Fleet configuration: how many workers, each with how many slots. */
export interface FleetSetup {
  readonly workers: number;
  readonly capacity: number;
}

/** Options of a Fleet measurement. */
export interface FleetBenchOptions {
  /** A server's URL, or a cluster's comma-separated. */
  readonly url: string;
  /** Servers holding the bench's stream (default 1). */
  readonly replicas?: number;
  /** The nats-server's pid, to read its CPU time. */
  readonly natsPid: number;
  readonly runs: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  /** Aim for runs this long (ms), within the task bounds. */
  readonly targetRunMs: number;
  readonly latencySamples: number;
  /** Give up a run after this long (ms). */
  readonly runTimeoutMs: number;
  /** Say what is happening (progress lines). */
  readonly say: (line: string) => void;
  /**
   * The workers' child script, relative to `child-link.ts` (default `./workers.ts`); for
   * experiments.
   */
  readonly workerScript?: string;
  /** Create every NATS connection with `noAsyncTraces` (no Error captured per request). */
  readonly noAsyncTraces?: boolean;
}

/** Tasks per measured run from the warm-up's rate: rounded up to 1,000s, within bounds. */
export const sizeRun = (rate: number, o: FleetBenchOptions): number =>
  Math.min(
    o.maxTasks,
    Math.max(o.minTasks, Math.ceil((rate * o.targetRunMs) / 1000 / 1000) * 1000),
  );
