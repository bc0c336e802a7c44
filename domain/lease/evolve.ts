import type { DispatcherLease } from '../../events/index.ts';
import type { LeaseState } from './state.ts';

/** What a candidate learnt of the lease key. */
export type LeaseObservation =
  /**
   * The key as read, or as just written: at `revision` (0: no such key), holding `lease`, or
   * nothing (absent, deleted, or a value that is not a lease: it can be overwritten).
   */
  | {
      readonly type: 'seen';
      readonly revision: number;
      readonly lease: DispatcherLease | undefined;
    }
  /** A compare-and-set write lost: someone else wrote the key first. Read it again. */
  | { readonly type: 'lost_race' };

/** The candidate's knowledge of the key after `observation`. */
export const evolveLease = (_state: LeaseState, observation: LeaseObservation): LeaseState => {
  switch (observation.type) {
    case 'seen':
      return observation.lease === undefined
        ? { status: 'vacant', revision: observation.revision }
        : { status: 'held', revision: observation.revision, lease: observation.lease };
    case 'lost_race':
      return { status: 'unknown' };
    default: {
      const never: never = observation;
      return never;
    }
  }
};
