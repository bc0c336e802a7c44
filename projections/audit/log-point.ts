import { InvalidInputError } from '../../events/index.ts';

/** A point in the log: a stream sequence (a number) or a server time (a `Date`). */
export type LogPoint = number | Date;

/** True when the message stored at `seq`, server time `at`, is at or before `point`. */
export const atOrBefore = (point: LogPoint, seq: number, at: number): boolean =>
  typeof point === 'number' ? seq <= point : at <= point.getTime();

/** True when the message stored at `seq`, server time `at`, is at or after `point`. */
export const atOrAfter = (point: LogPoint, seq: number, at: number): boolean =>
  typeof point === 'number' ? seq >= point : at >= point.getTime();

const DIGITS = /^\d+$/;
/** An ISO 8601 date, optionally with a time (so `2024-05-01` and `2024-05-01T10:00Z` pass). */
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses a command-line point: whole digits are a stream sequence (`1234`), anything else must
 * be an ISO 8601 time (`2024-05-01T10:00:00Z`). Throws `InvalidInputError` naming `flag`.
 */
export const parseLogPoint = (text: string, flag: string): LogPoint => {
  const t = text.trim();
  if (DIGITS.test(t)) {
    const seq = Number(t);
    if (Number.isSafeInteger(seq) && seq >= 1) return seq;
    throw new InvalidInputError(flag, `${flag} "${text}": a sequence is a whole number >= 1`);
  }
  const ms = ISO.test(t) ? Date.parse(t) : Number.NaN;
  if (Number.isNaN(ms))
    throw new InvalidInputError(
      flag,
      `${flag} "${text}": give a stream sequence (1234) or an ISO time (2024-05-01T10:00:00Z)`,
    );
  return new Date(ms);
};

/** A point as JSON: the sequence, or the time in ISO 8601. */
export const logPointJson = (point: LogPoint): number | string =>
  typeof point === 'number' ? point : point.toISOString();

/** A point in words: `seq 1234` or the ISO time. */
export const formatLogPoint = (point: LogPoint): string =>
  typeof point === 'number' ? `seq ${point}` : point.toISOString();
