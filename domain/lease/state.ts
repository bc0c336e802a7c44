import type { DispatcherLease } from '../../events/index.ts';

/** How a lease is held: every duration in ms. */
export interface LeaseTerms {
  /** How long a written lease lasts unless renewed. */
  readonly ttlMs: number;
  /** The holder renews once this much of its lease has passed. */
  readonly renewAfterMs: number;
  /**
   * The holder stops serving this long before its lease ends, so it is no longer active by the
   * time a standby may take over (a margin for the pause between its check and its act).
   */
  readonly marginMs: number;
}

/** Terms that let a standby take over within 3 s of the holder's death. */
export const defaultLeaseTerms = (): LeaseTerms => ({
  ttlMs: 2_000,
  renewAfterMs: 500,
  marginMs: 250,
});

/**
 * What a candidate knows of a pool's lease key: not read yet (or unsure after a lost race),
 * vacant (never written, `revision` 0, or deleted), or held by someone. `revision` is the key's
 * KV revision, the one a compare-and-set write must name.
 */
export type LeaseState =
  | { readonly status: 'unknown' }
  | { readonly status: 'vacant'; readonly revision: number }
  | { readonly status: 'held'; readonly revision: number; readonly lease: DispatcherLease };

/** Whether a candidate serves the pool now. */
export type LeaseRole = 'active' | 'standby';

export const initialLeaseState = (): LeaseState => ({ status: 'unknown' });
