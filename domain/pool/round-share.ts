import { charge, startTag, weightOf } from './fair-share.ts';
import { decayedUse } from './fair-use.ts';
import type { DispatchState } from './state.ts';

/** The order of projects within one claim round: among equal priorities the smallest tag goes next. */
export interface RoundShare {
  tag(project: string): number;
  /** One assignment to `project` in this round. */
  take(project: string): void;
}

/**
 * Fair share for a round of decisions, on a private copy (the state is not changed).
 *
 * Counting tasks, it is start-time fair queuing (fair-share.ts). Counting measured use, a
 * project's tag is its decayed use per weight, plus what its running attempts hold so far (the
 * time held on the stream's clock, or their expected tokens), plus its expected use per attempt
 * for each task this round already gave it: the project that used least goes next, and a heavy
 * consumer yields to a light one until their use per weight meets.
 */
export const roundShare = (s: DispatchState, now: number): RoundShare => {
  const weight = (p: string) => weightOf(s.config.weights, p);
  if (s.config.fairShare.by === 'tasks') {
    const fair = { clock: s.fair.clock, tags: { ...s.fair.tags } };
    return { tag: (p) => startTag(fair, p), take: (p) => charge(fair, p, weight(p)) };
  }
  const { use, perAttempt, poolMean } = decayedUse(s, now);
  const expected = (p: string) => perAttempt.get(p) ?? poolMean;
  const base = new Map(use);
  const seconds = s.config.fairShare.by === 'seconds';
  // Running attempts count before they report, or a long-running flood would look idle.
  for (const [key, hold] of Object.entries(s.limits.holds)) {
    const p = key.slice(0, key.indexOf('/'));
    const add = seconds ? Math.max(0, now - hold.at) : expected(p);
    base.set(p, (base.get(p) ?? 0) + add);
  }
  const taken = new Map<string, number>();
  return {
    tag: (p) => ((base.get(p) ?? 0) + (taken.get(p) ?? 0) * expected(p)) / weight(p),
    take: (p) => {
      taken.set(p, (taken.get(p) ?? 0) + 1);
    },
  };
};
