import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../events/index.ts';
import { parseBackoff } from './parse-backoff.ts';

describe('parseBackoff', () => {
  it('reads the pool default backoff', () => {
    expect(parseBackoff({ initial: '500ms', max: '2m', multiplier: '1.5' })).toEqual({
      initialMs: 500,
      maxMs: 120_000,
      multiplier: 1.5,
    });
  });

  it.each([
    [{ initial: '2d', max: '2d', multiplier: '2' }, /--retry-initial "2d" is longer than a day/],
    [
      { initial: '10s', max: '1s', multiplier: '2' },
      /--retry-max 1s is shorter than --retry-initial 10s/,
    ],
    [
      { initial: '1s', max: '1m', multiplier: '1e308' },
      /--retry-multiplier "1e308" must be a number from 1 to 10/,
    ],
    [{ initial: '1s', max: '1m', multiplier: '0.5' }, /from 1 to 10/],
    [{ initial: '-1s', max: '1m', multiplier: '2' }, /is not a duration/],
  ])('refuses %j with a clear error', (o, message) => {
    expect(() => parseBackoff(o)).toThrow(InvalidInputError);
    expect(() => parseBackoff(o)).toThrow(message);
  });
});
