/** Settings of `backoffMs`. */
export interface BackoffOptions {
  /** Delay after the first failure (default 100 ms). */
  readonly baseMs?: number;
  /** Longest delay (default 5 s). */
  readonly capMs?: number;
  /** Source of jitter in [0, 1) (default `Math.random`); the delay is 50–100 % of the step. */
  readonly random?: () => number;
}

/**
 * How long to wait after `failures` consecutive failures (1 or more): doubling from `baseMs`
 * up to `capMs`, with jitter so that many workers failing together do not retry in step.
 */
export const backoffMs = (failures: number, options: BackoffOptions = {}): number => {
  const base = options.baseMs ?? 100;
  const cap = options.capMs ?? 5_000;
  const step = Math.min(cap, base * 2 ** Math.min(30, Math.max(0, failures - 1)));
  const jitter = (options.random ?? Math.random)();
  return Math.round(step * (0.5 + Math.min(1, Math.max(0, jitter)) / 2));
};
