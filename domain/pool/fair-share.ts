import type { DispatchState } from './state.ts';

type Fair = Pick<DispatchState['fair'], 'clock' | 'tags'>;

/**
 * Start-time fair queuing across the projects of a pool. Each assignment charges its project
 * `1 / weight`; among equal priorities the project with the smallest tag goes next. The clock
 * is the largest start tag served so far; a project that becomes backlogged again starts no
 * earlier than the clock, so idleness banks no credit and a flood from one project cannot push
 * another's tasks behind it.
 *
 * Charges only add to a project's own tag and the clock is a maximum, so the fold reaches the
 * same tags whatever order a round's per-project messages are appended in.
 */
export const startTag = (fair: Fair, project: string): number => fair.tags[project] ?? fair.clock;

/** Charges one assignment to `project` (mutates; call inside a recipe or on a private copy). */
export const charge = (fair: Fair, project: string, weight: number): void => {
  const start = startTag(fair, project);
  fair.tags[project] = start + 1 / weight;
  fair.clock = Math.max(fair.clock, start);
};

/** A project that had nothing queued gets work again: it starts at the clock at the earliest. */
export const activate = (fair: Fair, project: string): void => {
  fair.tags[project] = Math.max(fair.tags[project] ?? 0, fair.clock);
};

/** The fair-share weight of a project: configured, else 1. */
export const weightOf = (weights: Readonly<Record<string, number>>, project: string): number => {
  const w = weights[project];
  return w !== undefined && w > 0 ? w : 1;
};
