import type { TaskStatus, Verdict } from '../domain/pool/index.ts';
import type { LogEntry } from '../events/index.ts';

/** One stored message as a projection folds it: the subject it was stored on and its entry. */
export interface FoldItem {
  readonly subject: string;
  readonly entry: LogEntry;
}

/**
 * The pool rule's verdict on one event (the dispatcher's own), as projections read it: when
 * applied, with the task's status before (absent: the task did not exist) and after, for task
 * events. Projections count only what was applied, so a forged, stale or duplicate report never
 * bills or times anything.
 */
export type TaskVerdict =
  | { readonly kind: 'applied'; readonly from?: TaskStatus; readonly to?: TaskStatus }
  | (Verdict & { readonly kind: 'refused' });

/** A message with the dispatcher's verdict on each of its events (none for unreadable ones). */
export interface JudgedItem extends FoldItem {
  readonly verdicts: readonly TaskVerdict[];
}
