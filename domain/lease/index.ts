/**
 * The lease of a pool's dispatcher, pure: who of several candidate dispatcher processes serves
 * a pool, decided on what each knows of the pool's lease key and the time it is given. The
 * compare-and-set on the key (actors/lease) makes one win; the stream's exclusive appends fence
 * a deposed holder that has not noticed yet.
 */
export { defaultLeaseTerms, initialLeaseState } from './state.ts';
export type { LeaseRole, LeaseState, LeaseTerms } from './state.ts';
export { decideLease, leaseRole } from './decide.ts';
export type { LeaseAction, LeaseCommand } from './decide.ts';
export { evolveLease } from './evolve.ts';
export type { LeaseObservation } from './evolve.ts';
