/**
 * The fleet-state projection: each pool folded with the dispatcher's own recipe (so it agrees
 * with the dispatcher on every refusal), plus last-seen times, task counts and throughput.
 */
export { fleetStateProjection } from './fleet-state-projection.ts';
export { foldFleet, fleetStateRecipe, THROUGHPUT_WINDOW_MS } from './fold-fleet.ts';
export { fleetView, WorkerActivity, MAX_GONE_WORKERS } from './fleet-view.ts';
export type {
  FleetView,
  PoolView,
  TaskCounts,
  ThroughputView,
  WaitingView,
  WorkerCounts,
  WorkerGroupView,
  WorkerView,
} from './fleet-view.ts';
export { launchesView } from './launch-view.ts';
export type { LaunchBackoffView, LaunchesView, LaunchView } from './launch-view.ts';
export { initialFleetState, FleetStateSchema } from './state.ts';
export type { FleetState, ReportCount } from './state.ts';
export { poolOf } from './pool-of.ts';
