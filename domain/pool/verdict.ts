import type { RefusedReason } from './refused-reason.ts';

/**
 * What the pool's rule made of one event: applied, or refused with why. Refused events stay
 * in the log but change nothing beyond the count of refusals.
 */
export type Verdict =
  | { readonly kind: 'applied' }
  | { readonly kind: 'refused'; readonly reason: RefusedReason; readonly detail: string };

/** The one verdict of an event that took effect (shared: verdicts are never mutated). */
export const applied: Verdict = { kind: 'applied' };

/** The verdict refusing an event. */
export const refuse = (reason: RefusedReason, detail: string): Verdict & { kind: 'refused' } => ({
  kind: 'refused',
  reason,
  detail,
});
