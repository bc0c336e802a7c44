// The class lives in the contract so that code below the client (the audit's log points) can
// throw the same error without importing the client.
export { InvalidInputError } from '../events/index.ts';
