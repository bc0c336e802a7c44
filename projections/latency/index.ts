/** The latency projection: log-spaced histograms of stream-time latencies, with quantiles. */
export { latencyProjection } from './latency-projection.ts';
export { latencyRecipe } from './latency-recipe.ts';
export { latencyView, histogramView } from './latency-view.ts';
export type { HistogramView, LatencyGroupView, LatencyView } from './latency-view.ts';
export {
  BUCKET_BOUNDS_MS,
  bucketOf,
  emptyHistogram,
  HistogramSchema,
  merge,
  quantile,
  record,
} from './histogram.ts';
export type { Histogram } from './histogram.ts';
export { initialLatencyState, LatencyStateSchema } from './state.ts';
export type { LatencyGroup, LatencyState } from './state.ts';
