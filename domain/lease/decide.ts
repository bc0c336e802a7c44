import type { DispatcherLease } from '../../events/index.ts';
import type { LeaseRole, LeaseState, LeaseTerms } from './state.ts';

/** What a candidate asks of the lease, at `now` (ms since the epoch). */
export type LeaseCommand =
  /** Take, keep or wait for the lease: run every tick. */
  | { readonly type: 'tick'; readonly candidate: string; readonly now: number }
  /** Give the lease up at once (a stop), so a standby need not wait for it to lapse. */
  | { readonly type: 'release'; readonly candidate: string; readonly now: number };

/**
 * What to do about the lease key: write `lease` with compare-and-set on `revision` (0: create
 * the key, which must not exist), or nothing.
 */
export type LeaseAction =
  | {
      readonly type: 'write';
      readonly revision: number;
      readonly lease: DispatcherLease;
      /** Why, for people: claim (vacant), renew (own), take_over (lapsed), release. */
      readonly why: 'claim' | 'renew' | 'take_over' | 'release';
    }
  | { readonly type: 'wait' };

const WAIT: LeaseAction = { type: 'wait' };

/**
 * The rule of the lease. A vacant key is claimed; the holder renews once `renewAfterMs` of its
 * lease has passed; a lease past its end is taken over with the next term; a live lease of
 * another is waited for; a release ends the candidate's own lease now. Unsure (`unknown`),
 * nothing is written: the key is read first.
 */
export const decideLease = (
  state: LeaseState,
  command: LeaseCommand,
  terms: LeaseTerms,
): LeaseAction => {
  const { candidate, now } = command;
  const until = now + terms.ttlMs;
  switch (state.status) {
    case 'unknown':
      return WAIT;
    case 'vacant':
      if (command.type === 'release') return WAIT;
      return {
        type: 'write',
        revision: state.revision,
        lease: { holder: candidate, term: 1, expiresAt: until },
        why: 'claim',
      };
    case 'held': {
      const { lease, revision } = state;
      const own = lease.holder === candidate;
      if (command.type === 'release')
        return own && lease.expiresAt > now
          ? { type: 'write', revision, lease: { ...lease, expiresAt: now }, why: 'release' }
          : WAIT;
      if (now >= lease.expiresAt)
        return {
          type: 'write',
          revision,
          lease: { holder: candidate, term: lease.term + 1, expiresAt: until },
          why: own ? 'renew' : 'take_over',
        };
      if (own && now >= lease.expiresAt - terms.ttlMs + terms.renewAfterMs)
        return { type: 'write', revision, lease: { ...lease, expiresAt: until }, why: 'renew' };
      return WAIT;
    }
    default: {
      const never: never = state;
      return never;
    }
  }
};

/**
 * Whether `candidate` serves the pool at `now`: only while it holds the lease and its end is
 * more than `marginMs` away. A standby may take over only once the end has passed, so the two
 * are never active at once by the same clock.
 */
export const leaseRole = (
  state: LeaseState,
  candidate: string,
  now: number,
  terms: LeaseTerms,
): LeaseRole =>
  state.status === 'held' &&
  state.lease.holder === candidate &&
  now < state.lease.expiresAt - terms.marginMs
    ? 'active'
    : 'standby';
