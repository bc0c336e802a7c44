import { TaskLimits } from '../events/index.ts';
import { InvalidInputError } from './invalid-input-error.ts';

const DAYS = TaskLimits.maxDelayMs / 86_400_000;

/**
 * A task's `notBefore` from what its producer gave: `notBefore` itself (epoch ms) or `delayMs`
 * from `now`. Throws `InvalidInputError` for a negative, fractional or too long delay, both at
 * once, or a `notBefore` more than `TaskLimits.maxDelayMs` ahead (the dispatcher would refuse
 * it: told here, the producer learns at once). A `notBefore` already past is kept: the task
 * then starts at once.
 */
export const notBeforeOf = (
  input: { readonly notBefore?: unknown; readonly delayMs?: unknown },
  now: number,
  prefix?: string,
): number | undefined => {
  const at = (field: string) => (prefix === undefined ? field : `${prefix}.${field}`);
  const { notBefore, delayMs } = input;
  if (delayMs === undefined) {
    if (typeof notBefore === 'number' && notBefore - now > TaskLimits.maxDelayMs)
      throw new InvalidInputError(
        at('notBefore'),
        `invalid task: notBefore: ${new Date(notBefore).toISOString()} is more than ${DAYS} days ahead`,
      );
    // Anything else is the contract's to judge (an integer epoch ms).
    return typeof notBefore === 'number' ? notBefore : undefined;
  }
  if (notBefore !== undefined)
    throw new InvalidInputError(at('delayMs'), 'invalid task: give delayMs or notBefore, not both');
  if (
    typeof delayMs !== 'number' ||
    !Number.isInteger(delayMs) ||
    delayMs < 0 ||
    delayMs > TaskLimits.maxDelayMs
  )
    throw new InvalidInputError(
      at('delayMs'),
      `invalid task: delayMs: must be an integer number of ms from 0 to ${TaskLimits.maxDelayMs} (${DAYS} days), not ${typeof delayMs === 'number' ? delayMs : typeof delayMs}`,
    );
  return now + delayMs;
};
