import { describe, expect, it } from 'vitest';
import { parseDuration } from './parse-duration.ts';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1.5s', 1_500],
    ['1h30m', 5_400_000],
    [' 2s ', 2_000],
    ['0s', 0],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['60', '', 's', '5 m', '5min', '-5s', '1e3ms', '5m10', 'ten seconds'])(
    'refuses %j with a typed error that names the flag and shows the form',
    (text) => {
      expect(() => parseDuration(text, '--timeout')).toThrow(
        expect.objectContaining({
          code: 'invalid_input',
          path: '--timeout',
          message: expect.stringMatching(/^--timeout ".*" is not a duration: .*30s/) as unknown,
        }),
      );
    },
  );
});
