import { describe, expect, it } from 'vitest';
import { backoffMs } from './backoff.ts';

describe('backoffMs', () => {
  it('doubles from the base and stops at the cap', () => {
    const top = { random: () => 1 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, top))).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000,
    ]);
    expect(backoffMs(1_000, { ...top, capMs: 750 })).toBe(750);
  });

  it('jitters between half and all of the step', () => {
    expect(backoffMs(3, { random: () => 0 })).toBe(200);
    for (let i = 0; i < 100; i += 1) {
      const d = backoffMs(3);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });
});
