import type { DispatchState } from './state.ts';

type Fair = DispatchState['fair'];

/**
 * Start-time fair queuing across the projects of a pool. Each assignment charges its project
 * `1 / weight`; the project with the smallest start tag goes next among equal priorities. A
 * project that was idle starts at the virtual clock, so idleness banks no credit and a flood
 * from one project cannot push another's tasks behind it.
 */
export const startTag = (fair: Fair, project: string): number =>
  Math.max(fair.tags[project] ?? 0, fair.clock);

/** Charges one assignment to `project` (mutates; call inside a recipe or on a private copy). */
export const charge = (fair: Fair, project: string, weight: number): void => {
  const start = startTag(fair, project);
  fair.tags[project] = start + 1 / weight;
  fair.clock = start;
};

/** The fair-share weight of a project: configured, else 1. */
export const weightOf = (weights: Readonly<Record<string, number>>, project: string): number => {
  const w = weights[project];
  return w !== undefined && w > 0 ? w : 1;
};
