import type { JudgedItem } from '../fold-item.ts';
import type { Projection } from '../projection.ts';
import { latencyRecipe } from './latency-recipe.ts';
import { latencyView } from './latency-view.ts';
import type { LatencyView } from './latency-view.ts';
import { initialLatencyState, LatencyStateSchema } from './state.ts';
import type { LatencyState } from './state.ts';

/** Submit→assign and assign→complete histograms per project and pool. */
export const latencyProjection: Projection<LatencyState, JudgedItem, LatencyView> = {
  name: 'latency',
  version: 1,
  initialState: initialLatencyState,
  recipe: latencyRecipe,
  schema: LatencyStateSchema,
  view: latencyView,
};
