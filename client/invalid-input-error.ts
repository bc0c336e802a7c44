// The class lives in the contract so that code below the client (the audit's log points) can
// throw the same error without importing the client. From `events/errors.ts`, not the contract's
// index: the index loads zod, and `fleet --help` must start without it.
export { InvalidInputError } from '../events/errors.ts';
