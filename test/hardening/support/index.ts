/** Test support of the hardening tests: state invariants and fuzzed messages. */
export { checkDispatchState } from '../../support/check-dispatch-state.ts';
export { checkRegistrarState } from './check-registrar-state.ts';
export { fuzzMessageArb } from './fuzz-messages.ts';
export type { FuzzMessage } from './fuzz-messages.ts';
