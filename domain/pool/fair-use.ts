import type { Usage } from '../../events/index.ts';
import type { DispatchState } from './state.ts';

/**
 * What fair share across the projects of a pool counts: assignments (`tasks`, the default),
 * the tokens the reports give (`tokens`), or the time attempts held their slot on the stream's
 * clock (`seconds`, from assignment to the event that ended the attempt).
 */
export type FairShareBy = 'tasks' | 'tokens' | 'seconds';
export const FAIR_SHARE_BY: readonly FairShareBy[] = ['tasks', 'tokens', 'seconds'];

/** How fair share is measured in a pool; a setting every replica of the pool's fold shares. */
export interface FairShare {
  readonly by: FairShareBy;
  /** Measured use halves every `halfLifeMs` of stream time (`tokens` and `seconds` only). */
  readonly halfLifeMs: number;
}

/** Task counts, as before measured use existed; an hour's half-life when one is chosen. */
export const defaultFairShare: FairShare = { by: 'tasks', halfLifeMs: 3_600_000 };

/** Bounds of the half-life: below a second or beyond a year is a mistake. */
export const HALF_LIFE_BOUNDS = { minMs: 1000, maxMs: 366 * 86_400_000 } as const;

/**
 * A project's measured use, decayed to `at` (stream time): tokens, milliseconds held and
 * attempts ended. Decay is computed from event times only, so every replay agrees.
 */
export interface ProjectUse {
  tokens: number;
  ms: number;
  attempts: number;
  at: number;
}

/** `u` decayed to `at` (never earlier than its own time). */
export const useAt = (u: ProjectUse, at: number, halfLifeMs: number): ProjectUse => {
  if (at <= u.at) return { ...u };
  const f = 2 ** (-(at - u.at) / halfLifeMs);
  return { tokens: u.tokens * f, ms: u.ms * f, attempts: u.attempts * f, at };
};

/**
 * Charges an ended attempt's use to its project (mutates; call inside a recipe): held from
 * `since` to `at`, with the report's tokens when there is a report. Nothing is kept when the
 * pool counts tasks.
 */
export const measureUse = (
  s: DispatchState,
  project: string,
  since: number | undefined,
  usage: Usage | undefined,
  at: number,
): void => {
  const { by, halfLifeMs } = s.config.fairShare;
  if (by === 'tasks' || since === undefined) return;
  const prior = s.fair.use[project];
  const now = Math.max(at, prior?.at ?? at);
  const u =
    prior === undefined
      ? { tokens: 0, ms: 0, attempts: 0, at: now }
      : useAt(prior, now, halfLifeMs);
  u.tokens += usage === undefined ? 0 : usage.tokensIn + usage.tokensOut;
  u.ms += Math.max(0, at - since);
  u.attempts += 1;
  s.fair.use[project] = u;
};

/** The amount of `u` that fair share compares. */
const amountOf = (u: ProjectUse, by: FairShareBy): number => (by === 'tokens' ? u.tokens : u.ms);

/**
 * Measured use per weight of each project at `now`, and what one more attempt of each is
 * expected to add: its own mean per attempt, else the pool's, else 1.
 */
export const decayedUse = (
  s: DispatchState,
  now: number,
): { use: Map<string, number>; perAttempt: Map<string, number>; poolMean: number } => {
  const { by, halfLifeMs } = s.config.fairShare;
  const use = new Map<string, number>();
  const perAttempt = new Map<string, number>();
  let total = 0;
  let attempts = 0;
  for (const [project, raw] of Object.entries(s.fair.use)) {
    const u = useAt(raw, now, halfLifeMs);
    const amount = amountOf(u, by);
    use.set(project, amount);
    if (u.attempts > 0 && amount > 0) perAttempt.set(project, amount / u.attempts);
    total += amount;
    attempts += u.attempts;
  }
  const poolMean = attempts > 0 && total > 0 ? total / attempts : 1;
  return { use, perAttempt, poolMean };
};
