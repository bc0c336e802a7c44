import { InvalidInputError, TaskLimits } from '../events/index.ts';
import type { Backoff } from '../domain/pool/index.ts';
import { parseDuration } from './parse-duration.ts';

/**
 * A pool's default backoff from `--retry-initial`, `--retry-max` and `--retry-multiplier`: each
 * wait within the contract's longest (a day), the multiplier from 1 to 10, and the cap no
 * shorter than the first wait.
 */
export const parseBackoff = (o: { initial: string; max: string; multiplier: string }): Backoff => {
  const longest = TaskLimits.maxRetryDelayMs;
  const within = (text: string, flag: string) => {
    const ms = parseDuration(text, flag);
    if (ms > longest)
      throw new InvalidInputError(flag, `${flag} "${text}" is longer than a day (${longest} ms)`);
    return ms;
  };
  const initialMs = within(o.initial, '--retry-initial');
  const maxMs = within(o.max, '--retry-max');
  if (maxMs < initialMs)
    throw new InvalidInputError(
      '--retry-max',
      `--retry-max ${o.max} is shorter than --retry-initial ${o.initial}`,
    );
  const multiplier = Number(o.multiplier);
  if (
    o.multiplier.trim() === '' ||
    !Number.isFinite(multiplier) ||
    multiplier < 1 ||
    multiplier > TaskLimits.maxBackoffMultiplier
  )
    throw new InvalidInputError(
      '--retry-multiplier',
      `--retry-multiplier "${o.multiplier}" must be a number from 1 to ${TaskLimits.maxBackoffMultiplier}`,
    );
  return { initialMs, maxMs, multiplier };
};
