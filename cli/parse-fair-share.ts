import { InvalidInputError } from '../client/invalid-input-error.ts';
import { defaultFairShare, FAIR_SHARE_BY, HALF_LIFE_BOUNDS } from '../domain/pool/fair-use.ts';
import type { FairShare, FairShareBy } from '../domain/pool/fair-use.ts';
import { parseDuration } from './parse-duration.ts';

const isBy = (text: string): text is FairShareBy =>
  (FAIR_SHARE_BY as readonly string[]).includes(text);

/**
 * `--fair-share tasks|tokens|seconds` and `--half-life <duration>` of `fleet dispatcher`, or an
 * `InvalidInputError` saying what is wrong.
 */
export const parseFairShare = (by: string | undefined, halfLife: string | undefined): FairShare => {
  const b = by ?? defaultFairShare.by;
  if (!isBy(b))
    throw new InvalidInputError(
      '--fair-share',
      `--fair-share "${b}" is not one of ${FAIR_SHARE_BY.join(', ')}`,
    );
  if (halfLife === undefined) return { ...defaultFairShare, by: b };
  if (b === 'tasks')
    throw new InvalidInputError(
      '--half-life',
      '--half-life applies to measured use: give --fair-share tokens or seconds',
    );
  const ms = parseDuration(halfLife, '--half-life');
  if (ms < HALF_LIFE_BOUNDS.minMs || ms > HALF_LIFE_BOUNDS.maxMs)
    throw new InvalidInputError(
      '--half-life',
      `--half-life ${halfLife} must be between 1s and 366d`,
    );
  return { by: b, halfLifeMs: ms };
};
