/**
 * What the benchmarks leave for the picture: one JSON file per benchmark in `bench/results/`,
 * written at the end of its run and read by `bench/picture.ts`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** Where the results and the picture are written (ignored by git but for the picture). */
export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** Latency percentiles of one system's sample, ms. */
export interface LatencyPoint {
  readonly system: string;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** `bench/dispatch.ts`: completed tasks/s by worker count, and start latencies. */
export interface DispatchResult {
  readonly at: string;
  readonly machine: string;
  readonly throughput: readonly { system: string; workers: number; tasksPerSecond: number }[];
  readonly latency: readonly LatencyPoint[];
}

/** `bench/memory.ts`: heap bytes per queued task and per worker, by count. */
export interface MemoryResult {
  readonly at: string;
  readonly perTask: readonly { n: number; bytes: number }[];
  readonly perWorker: readonly { n: number; bytes: number }[];
}

/** Every result the picture draws, by file name. */
export interface BenchResults {
  readonly dispatch: DispatchResult;
  readonly memory: MemoryResult;
}

export type ResultName = keyof BenchResults;

/** Writes a benchmark's result for the picture. */
export const writeResult = async <N extends ResultName>(
  name: N,
  value: BenchResults[N],
): Promise<void> => {
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(`${RESULTS_DIR}${name}.json`, `${JSON.stringify(value, null, 2)}\n`);
};

/** A benchmark's last result, or undefined when it has not run here. */
export const readResult = async <N extends ResultName>(
  name: N,
): Promise<BenchResults[N] | undefined> => {
  try {
    return JSON.parse(await readFile(`${RESULTS_DIR}${name}.json`, 'utf8')) as BenchResults[N];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
};
