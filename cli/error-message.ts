import { FleetError } from '../events/errors.ts';

/** A one-line description of an error for the terminal: `[code] message` for Fleet's own. */
export const errorMessage = (error: unknown): string => {
  if (error instanceof FleetError) return `[${error.code}] ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
};
