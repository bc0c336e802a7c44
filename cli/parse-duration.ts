import { InvalidInputError } from '../client/invalid-input-error.ts';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/**
 * Parses a duration such as `500ms`, `30s`, `5m`, `24h`, `7d` or `1h30m` into whole
 * milliseconds. A unit is required (a bare `60` is ambiguous). Throws `InvalidInputError`
 * naming `what` (the flag) otherwise.
 */
export const parseDuration = (text: string, what = 'duration'): number => {
  const t = text.trim();
  if (!WHOLE.test(t))
    throw new InvalidInputError(
      what,
      `${what} "${text}" is not a duration: write a number and a unit, e.g. 500ms, 30s, 5m, 24h, 7d`,
    );
  let ms = 0;
  for (const [, n, unit] of t.matchAll(PART))
    ms += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  const whole = Math.round(ms);
  if (!Number.isSafeInteger(whole))
    throw new InvalidInputError(what, `${what} "${text}" is too long`);
  return whole;
};
