import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './failure-limiter.ts';

describe('the failure limiter', () => {
  it('limits a key after maxFailures within the window, and forgives as it slides', () => {
    const l = new FailureLimiter({ maxFailures: 3, windowMs: 1_000 });
    for (const t of [0, 100, 200]) {
      expect(l.limited('k1', t)).toBe(false);
      l.fail('k1', t);
    }
    expect(l.limited('k1', 300)).toBe(true);
    expect(l.limited('k2', 300)).toBe(false);
    expect(l.limited('k1', 999)).toBe(true);
    expect(l.limited('k1', 1_000)).toBe(false); // the failure at 0 left the window
    expect(l.limited('k1', 1_300)).toBe(false);
    expect(l.size).toBe(0);
  });

  it('tracks at most maxKeys keys, forgetting the least recently failed', () => {
    const l = new FailureLimiter({ maxFailures: 1, maxKeys: 2 });
    l.fail('a', 0);
    l.fail('b', 1);
    l.fail('a', 2);
    l.fail('c', 3);
    expect(l.size).toBe(2);
    expect(l.limited('b', 4)).toBe(false);
    expect(l.limited('a', 4)).toBe(true);
    expect(l.limited('c', 4)).toBe(true);
  });
});
