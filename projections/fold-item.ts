import type { TaskStatus } from '../domain/pool/index.ts';
import type { LogEntry } from '../events/index.ts';

/** One stored message as a projection folds it: the subject it was stored on and its entry. */
export interface FoldItem {
  readonly subject: string;
  readonly entry: LogEntry;
}

/**
 * What the dispatcher's own fold made of one event: accepted (with the task's status before
 * and after, for task events), or refused with the fold's reason. Projections count only what
 * the dispatcher accepted, so a forged, stale or duplicate report never bills or times anything.
 */
export type Verdict =
  | {
      readonly accepted: true;
      /** The task's status before the event (absent: the task did not exist). */
      readonly from?: TaskStatus;
      /** The task's status after the event. */
      readonly to?: TaskStatus;
    }
  | { readonly accepted: false; readonly reason: string; readonly detail: string };

/** A message with the dispatcher's verdict on each of its events (none for unreadable ones). */
export interface JudgedItem extends FoldItem {
  readonly verdicts: readonly Verdict[];
}
