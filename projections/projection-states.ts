import { costsProjection } from './costs/costs-projection.ts';
import type { CostsState } from './costs/state.ts';
import { fleetStateProjection } from './fleet-state/fleet-state-projection.ts';
import { foldFleet } from './fleet-state/fold-fleet.ts';
import type { FleetState } from './fleet-state/state.ts';
import type { FoldItem } from './fold-item.ts';
import { latencyProjection } from './latency/latency-projection.ts';
import type { LatencyState } from './latency/state.ts';
import type { ViewContext } from './projection.ts';
import type { ProjectionsSnapshot } from './projections-snapshot.ts';
import { rejectionsProjection } from './rejections/rejections-projection.ts';
import type { RejectionsState } from './rejections/state.ts';

/** The four projections' states at one position of the stream. */
export interface ProjectionStates {
  /** Last stream sequence folded into all of them. */
  position: number;
  fleet: FleetState;
  costs: CostsState;
  latency: LatencyState;
  rejections: RejectionsState;
}

/** Every projection, by its field in {@link ProjectionStates}. */
export const PROJECTIONS = {
  fleet: fleetStateProjection,
  costs: costsProjection,
  latency: latencyProjection,
  rejections: rejectionsProjection,
} as const;

/** The states before any event. */
export const initialProjectionStates = (): ProjectionStates => ({
  position: 0,
  fleet: fleetStateProjection.initialState(),
  costs: costsProjection.initialState(),
  latency: latencyProjection.initialState(),
  rejections: rejectionsProjection.initialState(),
});

/**
 * Folds one stored message into every projection, in place: first the fleet state, whose
 * per-pool dispatcher fold judges each event, then the others with those verdicts. A message
 * at or below the position is skipped (returns false): replays are idempotent.
 */
export const foldProjections = (s: ProjectionStates, item: FoldItem): boolean => {
  if (item.entry.seq <= s.position) return false;
  const judged = { ...item, verdicts: foldFleet(s.fleet, item) };
  costsProjection.recipe(s.costs, judged);
  latencyProjection.recipe(s.latency, judged);
  rejectionsProjection.recipe(s.rejections, judged);
  s.position = item.entry.seq;
  return true;
};

/** Folds a whole recorded log from the start. */
export const foldLog = (items: Iterable<FoldItem>): ProjectionStates => {
  const s = initialProjectionStates();
  for (const item of items) foldProjections(s, item);
  return s;
};

/** Every projection's view for `context.scope`, taken at `context.now`. */
export const viewProjections = (
  s: ProjectionStates,
  context: ViewContext,
): ProjectionsSnapshot => ({
  position: s.position,
  at: context.now,
  fleet: fleetStateProjection.view(s.fleet, context),
  costs: costsProjection.view(s.costs, context),
  latency: latencyProjection.view(s.latency, context),
  rejections: rejectionsProjection.view(s.rejections, context),
});
