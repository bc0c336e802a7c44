import { produce } from 'immer';
import { isReadable } from '../../events/index.ts';
import type { LogEntry } from '../../events/index.ts';
import { evolveInPlace } from './evolve.ts';
import { recordRefused, rememberRefusedTasks } from './record-refused.ts';
import { taskKey } from './state.ts';
import type { DispatchState } from './state.ts';
import { refuse } from './verdict.ts';
import type { Verdict } from './verdict.ts';

/**
 * One stored message under the pool's rule, on a draft the caller owns: each of its events in
 * turn with `evolveInPlace`, and their verdicts. A message already folded changes nothing and
 * has no verdicts (replays are idempotent); one that did not decode is refused as a whole, and
 * the tasks it named are remembered as refused for their producers.
 */
export const evolveEntryInPlace = (draft: DispatchState, entry: LogEntry): Verdict[] => {
  if (entry.seq <= draft.position) return [];
  draft.position = entry.seq;
  if (isReadable(entry)) return entry.events.map((event) => evolveInPlace(draft, event, entry));
  const refused = refuse('unreadable', `${entry.refused.code}: ${entry.refused.message}`);
  recordRefused(draft, entry.seq, 'unreadable', refused);
  const about = entry.about;
  // Every task a refused batch named was refused with it.
  const ids = about?.taskIds ?? (about?.taskId === undefined ? [] : [about.taskId]);
  if (about !== undefined && ids.length > 0)
    rememberRefusedTasks(
      draft,
      ids.map((id) => taskKey(about.project, id)),
      entry.seq,
      refused.detail,
    );
  return [refused];
};

/** The same rule, pure: the state after one stored message, and its events' verdicts. */
export const evolveEntry = (
  state: DispatchState,
  entry: LogEntry,
): { state: DispatchState; verdicts: Verdict[] } => {
  let verdicts: Verdict[] = [];
  const next = produce(state, (draft) => {
    verdicts = evolveEntryInPlace(draft, entry);
  });
  return { state: next, verdicts };
};

/** Folds many stored messages at once (one immer draft for all of them). */
export const evolveEntries = (state: DispatchState, entries: Iterable<LogEntry>): DispatchState =>
  produce(state, (draft) => {
    for (const entry of entries) evolveEntryInPlace(draft, entry);
  });
