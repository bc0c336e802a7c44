/**
 * Read projections folded from the whole event stream — the live fleet, per-tenant costs,
 * latency, rejections — with checkpoints in a KV bucket, and views filtered to a scope
 * (operator, or one project). `startProjections` runs them all; the folds and views are
 * exported too, for replays and tests.
 */
export { startProjections } from './start-projections.ts';
export type { Projections, ProjectionsOptions, ProjectionsProgress } from './start-projections.ts';
export type { ProjectionsSnapshot } from './projections-snapshot.ts';
export { inScope } from './scope.ts';
export type { Scope } from './scope.ts';
export type { Projection, ViewContext } from './projection.ts';
export type { FoldItem, JudgedItem, TaskVerdict } from './fold-item.ts';
export {
  foldLog,
  foldProjections,
  initialProjectionStates,
  PROJECTIONS,
  viewProjections,
} from './projection-states.ts';
export type { ProjectionStates } from './projection-states.ts';
export {
  DEFAULT_PROJECTION_BUCKET,
  ProjectionCheckpoints,
  projectionBucket,
  serialise,
} from './checkpoints.ts';
export type { Checkpoint } from './checkpoints.ts';
export { parseRecordedLog, RecordedLine, recordedLine } from './recorded-log.ts';
export { replayViews } from './replay-views.ts';
export type { ReplayViews, ScopedViews } from './replay-views.ts';
export {
  fleetStateProjection,
  fleetView,
  MAX_GONE_WORKERS,
  THROUGHPUT_WINDOW_MS,
  WorkerActivity,
} from './fleet-state/index.ts';
export type {
  FleetState,
  FleetView,
  PoolView,
  TaskCounts,
  ThroughputView,
  WaitingView,
  WorkerCounts,
  WorkerGroupView,
  WorkerView,
} from './fleet-state/index.ts';
export {
  costsProjection,
  costView,
  DEFAULT_PRICE_TABLE,
  loadPriceTable,
  PriceTable,
  priceTokens,
  rollUpHours,
  sumCosts,
} from './costs/index.ts';
export type { CostFigures, CostRow, CostsState, CostView, HourlyCostRow } from './costs/index.ts';
export { BUCKET_BOUNDS_MS, latencyProjection, latencyView } from './latency/index.ts';
export type {
  HistogramView,
  LatencyGroupView,
  LatencyState,
  LatencyView,
} from './latency/index.ts';
export {
  RejectionKind,
  rejectionsProjection,
  rejectionView,
  RECENT_REJECTIONS,
} from './rejections/index.ts';
export type {
  RejectionCounts,
  RejectionRecordView,
  RejectionsState,
  RejectionView,
} from './rejections/index.ts';
