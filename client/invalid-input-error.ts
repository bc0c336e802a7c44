import type { z } from 'zod';
import { ErrorCode, FleetError } from '../events/errors.ts';

/**
 * Thrown when input (a producer's task, a command-line value) does not fit the contract.
 * Nothing was published. `path` names the offending field, dotted (`requirements.models.0`),
 * or is empty when the input as a whole is wrong.
 */
export class InvalidInputError extends FleetError {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.InvalidInput, message, options);
  }

  /**
   * From the first issue of a zod error, its path made relative to the input: `skip` leading
   * segments are dropped (an event's `data`, say) and `prefix` is put in front (an index).
   * The message reads `<what>: <path>: <issue>`.
   */
  static fromZod(
    error: z.ZodError,
    options: { what: string; skip?: number; prefix?: string },
  ): InvalidInputError {
    const issue = error.issues[0];
    const rel = (issue?.path ?? []).slice(options.skip ?? 0).map(String);
    const path = [...(options.prefix === undefined ? [] : [options.prefix]), ...rel].join('.');
    const where = path === '' ? '' : `${path}: `;
    return new InvalidInputError(path, `${options.what}: ${where}${issue?.message ?? 'invalid'}`, {
      cause: error,
    });
  }
}
