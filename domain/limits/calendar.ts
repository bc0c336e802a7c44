import type { LimitPeriod } from '../../events/index.ts';

type Calendar = Extract<LimitPeriod, { kind: 'day' | 'month' }>;

// Building an Intl formatter costs far more than using one: one per time zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

const formatter = (timeZone: string): Intl.DateTimeFormat => {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
};

/** The wall clock of `timeZone` at `at`: year, month (1–12), day, hour, minute, second. */
export const wallClock = (at: number, timeZone: string): number[] => {
  const parts = formatter(timeZone).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return ['year', 'month', 'day', 'hour', 'minute', 'second'].map(get);
};

/** How far `timeZone`'s wall clock is ahead of UTC at `at`, in ms. */
const offset = (at: number, timeZone: string): number => {
  const [y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0] = wallClock(at, timeZone);
  return Date.UTC(y, mo - 1, d, h, mi, s) - (at - (((at % 1000) + 1000) % 1000));
};

/** The instant of local midnight starting day `d` of month `mo` (1–12) of `y` in `timeZone`. */
const midnight = (y: number, mo: number, d: number, timeZone: string): number => {
  const guess = Date.UTC(y, mo - 1, d);
  // Twice: the offset at the guess may differ from the offset at the answer (a DST change).
  const first = guess - offset(guess, timeZone);
  return guess - offset(first, timeZone);
};

/**
 * The calendar period holding `at`: its first instant and the first instant of the next one
 * (local midnight of the day, or of the first of the month, in the period's time zone).
 */
export const calendarPeriod = (at: number, p: Calendar): { start: number; end: number } => {
  const [y = 1970, mo = 1, d = 1] = wallClock(at, p.timeZone);
  if (p.kind === 'day') {
    const next = new Date(Date.UTC(y, mo - 1, d + 1));
    return {
      start: midnight(y, mo, d, p.timeZone),
      end: midnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), p.timeZone),
    };
  }
  const next = new Date(Date.UTC(y, mo, 1));
  return {
    start: midnight(y, mo, 1, p.timeZone),
    end: midnight(next.getUTCFullYear(), next.getUTCMonth() + 1, 1, p.timeZone),
  };
};

/**
 * The window a budget counts at `now`: charges stamped at or after `start` count. `end` is when
 * the window next moves on its own (a calendar reset); a rolling window has none.
 */
export const periodWindow = (now: number, p: LimitPeriod): { start: number; end?: number } => {
  switch (p.kind) {
    case 'day':
    case 'month':
      return calendarPeriod(now, p);
    case 'rolling':
      return { start: now - p.ms + 1 };
    default: {
      const never: never = p;
      return never;
    }
  }
};

/** `at` as `YYYY-MM-DD HH:mm` on the wall clock of `timeZone`. */
export const wallText = (at: number, timeZone: string): string => {
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0] = wallClock(at, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${y}-${two(mo)}-${two(d)} ${two(h)}:${two(mi)}`;
};
