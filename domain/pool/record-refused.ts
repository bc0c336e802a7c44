import type { DispatchState } from './state.ts';
import type { Verdict } from './verdict.ts';

/** Counts a refused event and keeps it among the latest few, for operators. */
export const recordRefused = (
  s: DispatchState,
  seq: number,
  type: string,
  { reason, detail }: Verdict & { kind: 'refused' },
) => {
  s.rejections.byReason[reason] = (s.rejections.byReason[reason] ?? 0) + 1;
  s.rejections.recent.push({ seq, type, reason, detail });
  const excess = s.rejections.recent.length - s.config.recentRejections;
  if (excess > 0) s.rejections.recent.splice(0, excess);
};

/** Remembers refused submissions for their producers (the latest few only). */
export const rememberRefusedTasks = (
  s: DispatchState,
  keys: readonly string[],
  seq: number,
  reason: string,
) => {
  for (const key of keys) s.refusedTasks[key] = { seq, reason };
  const all = Object.keys(s.refusedTasks);
  // Oldest first in insertion order: forget the oldest beyond the limit.
  for (const k of all.slice(0, Math.max(0, all.length - s.config.refusedTasksKept)))
    delete s.refusedTasks[k];
};
