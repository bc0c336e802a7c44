import { InvalidInputError } from '../client/invalid-input-error.ts';
import type { Deadlines } from '../events/index.ts';
import { parseDuration } from './parse-duration.ts';

/** The deadline flags of `fleet submit`. */
export interface DeadlineFlags {
  scheduleToStart?: string;
  startToClose?: string;
  deadline?: string;
}

/** An ISO time: a date, maybe a time of day and a zone. */
const ISO = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

/** `--deadline`: a duration from now (`1h`), or an ISO time (`2030-01-01T12:00:00Z`). */
const deadlineAt = (text: string, now: number): number => {
  if (!ISO.test(text.trim())) return now + parseDuration(text, '--deadline');
  const at = Date.parse(text);
  if (Number.isNaN(at))
    throw new InvalidInputError('--deadline', `--deadline "${text}" is not a time`);
  return at;
};

/**
 * `--schedule-to-start`, `--start-to-close` and `--deadline` as the task's `deadlines`; the
 * contract checks the bounds (a deadline in the past, or too far, is a typed error).
 */
export const deadlineOptions = (o: DeadlineFlags, now: number): { deadlines?: Deadlines } => {
  const d = {
    ...(o.scheduleToStart === undefined
      ? {}
      : { scheduleToStartMs: parseDuration(o.scheduleToStart, '--schedule-to-start') }),
    ...(o.startToClose === undefined
      ? {}
      : { startToCloseMs: parseDuration(o.startToClose, '--start-to-close') }),
    ...(o.deadline === undefined ? {} : { deadlineAt: deadlineAt(o.deadline, now) }),
  };
  return Object.keys(d).length === 0 ? {} : { deadlines: d };
};
