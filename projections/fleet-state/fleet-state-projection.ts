import type { FoldItem } from '../fold-item.ts';
import type { Projection } from '../projection.ts';
import { fleetStateRecipe } from './fold-fleet.ts';
import { fleetView } from './fleet-view.ts';
import type { FleetView } from './fleet-view.ts';
import { FleetStateSchema, initialFleetState } from './state.ts';
import type { FleetState } from './state.ts';

/** The live fleet: workers, load, queues, tasks, why tasks wait, throughput. */
export const fleetStateProjection: Projection<FleetState, FoldItem, FleetView> = {
  name: 'fleet-state',
  version: 3,
  initialState: initialFleetState,
  recipe: fleetStateRecipe,
  schema: FleetStateSchema,
  view: fleetView,
};
