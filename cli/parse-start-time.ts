import { InvalidInputError } from '../client/invalid-input-error.ts';
import { TaskLimits } from '../events/task-events.ts';
import { parseDuration } from './parse-duration.ts';

const DAYS = TaskLimits.maxDelayMs / 86_400_000;

/**
 * `fleet submit --delay <duration>` or `--not-before <time>` (an ISO 8601 time, or epoch ms) as
 * the task's `delayMs` or `notBefore`. Throws `InvalidInputError` naming the flag for both at
 * once, a time that is no time, or a start more than `TaskLimits.maxDelayMs` ahead.
 */
export const parseStartTime = (
  o: { readonly delay?: string; readonly notBefore?: string },
  now: number,
): { delayMs?: number; notBefore?: number } => {
  if (o.delay !== undefined && o.notBefore !== undefined)
    throw new InvalidInputError('--delay', 'give --delay or --not-before, not both');
  if (o.delay !== undefined) {
    const delayMs = parseDuration(o.delay, '--delay');
    if (delayMs > TaskLimits.maxDelayMs)
      throw new InvalidInputError('--delay', `--delay "${o.delay}" is over ${DAYS} days`);
    return { delayMs };
  }
  if (o.notBefore === undefined) return {};
  const text = o.notBefore.trim();
  const notBefore = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(notBefore) || notBefore < 0)
    throw new InvalidInputError(
      '--not-before',
      `--not-before "${o.notBefore}" is not a time: write ISO 8601 (2026-01-31T09:00:00Z) or epoch ms`,
    );
  if (notBefore - now > TaskLimits.maxDelayMs)
    throw new InvalidInputError(
      '--not-before',
      `--not-before "${o.notBefore}" is more than ${DAYS} days ahead`,
    );
  return { notBefore };
};
