import type { LimitsState } from './limits-state.ts';

/** Why the pool's capacity holds back an attempt of a project. */
export type CapacityBlock =
  /** Every slot of the pool's capacity runs an attempt. */
  | { readonly kind: 'full'; readonly running: number; readonly capacity: number }
  /** The free slots left are kept for other projects that have work and run below their share. */
  | { readonly kind: 'reserved'; readonly free: number; readonly reserved: number };

/** Attempts of `project` running now, with those a round started but the fold has not seen. */
const runningOf = (
  limits: LimitsState,
  project: string,
  pending: ReadonlyMap<string, number> | undefined,
): number => (limits.running[project] ?? 0) + (pending?.get(project) ?? 0);

/**
 * Whether one more attempt of `project` fits the pool's capacity: the running total stays
 * within it, and with `waiting` (the other projects that have work they could start now), the
 * slots left cover what each of them still lacks of its reserve. Without `waiting` only the
 * capacity itself is judged: the fold's check, since the queues of other projects change on
 * subjects the dispatcher does not own between its decision and its append.
 */
export const capacityBlock = (
  limits: LimitsState,
  project: string,
  waiting?: (other: string) => boolean,
  pending?: ReadonlyMap<string, number>,
): CapacityBlock | undefined => {
  const pool = limits.capacity;
  if (pool === undefined) return undefined;
  let running = 0;
  for (const p of Object.keys(limits.running)) running += runningOf(limits, p, pending);
  for (const [p, n] of pending ?? []) if (limits.running[p] === undefined) running += n;
  if (running + 1 > pool.capacity) return { kind: 'full', running, capacity: pool.capacity };
  if (waiting === undefined) return undefined;
  const free = pool.capacity - running;
  let reserved = 0;
  for (const [other, share] of Object.entries(pool.reserves))
    if (other !== project && waiting(other))
      reserved += Math.max(0, share - runningOf(limits, other, pending));
  // The attempt takes one free slot: what is left must cover the others' shortfall.
  return free - 1 >= reserved ? undefined : { kind: 'reserved', free, reserved };
};

/** The capacity's wait in words, for every surface that explains a waiting task. */
export const capacityText = (b: CapacityBlock): string =>
  b.kind === 'full'
    ? `pool capacity: ${b.running} of ${b.capacity} running`
    : `capacity reserved for other projects: ${b.reserved} of ${b.free} free slots reserved`;
