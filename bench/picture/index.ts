/** The benchmark's picture and the result files it is drawn from. */
export { benchPicture, benchPictureSpec } from './bench-picture.ts';
export { readResult, RESULTS_DIR, writeResult } from './bench-results.ts';
export type {
  BenchResults,
  DispatchResult,
  LatencyPoint,
  MemoryResult,
  ResultName,
} from './bench-results.ts';
