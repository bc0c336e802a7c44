/** The rejections projection: what the fleet refused, by kind, reason and project. */
export { rejectionsProjection } from './rejections-projection.ts';
export { rejectionsRecipe } from './rejections-recipe.ts';
export { rejectionView } from './rejection-view.ts';
export type { RejectionCounts, RejectionRecordView, RejectionView } from './rejection-view.ts';
export {
  initialRejectionsState,
  RECENT_REJECTIONS,
  RejectionKind,
  RejectionsStateSchema,
} from './state.ts';
export type { RejectionRecord, RejectionsState } from './state.ts';
