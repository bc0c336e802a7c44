/**
 * Pause before a template may launch again after its `failures`-th failure in a row (from 1):
 * `baseMs`, doubling, at most `maxMs`.
 */
export const retryDelay = (failures: number, baseMs: number, maxMs: number): number =>
  Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
