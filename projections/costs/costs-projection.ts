import type { JudgedItem } from '../fold-item.ts';
import type { Projection } from '../projection.ts';
import { costView } from './cost-view.ts';
import type { CostView } from './cost-view.ts';
import { costsRecipe } from './costs-recipe.ts';
import { CostsStateSchema, initialCostsState } from './state.ts';
import type { CostsState } from './state.ts';

/** Per-tenant usage and cost: by project, pool, model, worker and hour. */
export const costsProjection: Projection<CostsState, JudgedItem, CostView> = {
  name: 'costs',
  version: 1,
  initialState: initialCostsState,
  recipe: costsRecipe,
  schema: CostsStateSchema,
  view: costView,
};
