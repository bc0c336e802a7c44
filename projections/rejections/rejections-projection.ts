import type { JudgedItem } from '../fold-item.ts';
import type { Projection } from '../projection.ts';
import { rejectionView } from './rejection-view.ts';
import type { RejectionView } from './rejection-view.ts';
import { rejectionsRecipe } from './rejections-recipe.ts';
import { initialRejectionsState, RejectionsStateSchema } from './state.ts';
import type { RejectionsState } from './state.ts';

/** Refused claims, invalid submissions and refused events, by reason and project. */
export const rejectionsProjection: Projection<RejectionsState, JudgedItem, RejectionView> = {
  name: 'rejections',
  version: 1,
  initialState: initialRejectionsState,
  recipe: rejectionsRecipe,
  schema: RejectionsStateSchema,
  view: rejectionView,
};
