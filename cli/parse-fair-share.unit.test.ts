import { describe, expect, it } from 'vitest';
import { parseFairShare } from './parse-fair-share.ts';

describe('fleet dispatcher --fair-share and --half-life', () => {
  it('counts tasks by default, and takes measured use with a half-life', () => {
    expect(parseFairShare(undefined, undefined)).toEqual({ by: 'tasks', halfLifeMs: 3_600_000 });
    expect(parseFairShare('tokens', '30m')).toEqual({ by: 'tokens', halfLifeMs: 1_800_000 });
    expect(parseFairShare('seconds', undefined)).toEqual({ by: 'seconds', halfLifeMs: 3_600_000 });
  });

  it.each([
    ['gpus', undefined, /--fair-share "gpus" is not one of tasks, tokens, seconds/],
    ['tasks', '1h', /--half-life applies to measured use/],
    ['tokens', 'soon', /--half-life "soon" is not a duration/],
    ['tokens', '10ms', /--half-life 10ms must be between 1s and 366d/],
    ['seconds', '400d', /--half-life 400d must be between 1s and 366d/],
  ])('refuses --fair-share %s --half-life %s', (by, halfLife, message) => {
    expect(() => parseFairShare(by, halfLife)).toThrow(message);
  });
});
