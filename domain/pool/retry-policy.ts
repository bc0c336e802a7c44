import { TaskLimits } from '../../events/index.ts';
import type { RetryPolicy } from '../../events/index.ts';

/** A backoff: the wait before the second attempt, its growth per attempt and its cap. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
}

/** The pool's default backoff: 1 s, doubling, at most a minute. */
export const defaultBackoff: Backoff = { initialMs: 1000, maxMs: 60_000, multiplier: 2 };

/** A queued task that may not start before `readyAt` (the stream's clock, epoch ms). */
export interface Delay {
  readonly readyAt: number;
  /** The attempt that failed (the next one is `attempt + 1`); 0 for a producer's `notBefore`. */
  readonly attempt: number;
  /** When the wait began: the failure's stream time. */
  readonly since: number;
}

/** The task's backoff: its own fields, the pool's where it leaves them out. */
export const backoffOf = (pool: Backoff, own: RetryPolicy | undefined): Backoff => ({
  initialMs: own?.initialMs ?? pool.initialMs,
  maxMs: own?.maxMs ?? pool.maxMs,
  multiplier: own?.multiplier ?? pool.multiplier,
});

/**
 * The jitter of one retry, in [0, 1): a hash of the task and the attempt, so every fold of the
 * log computes the same wait (no randomness in the rule), while tasks that failed together
 * spread out instead of coming back together.
 */
export const jitterOf = (key: string, attempt: number): number => {
  // FNV-1a, 32 bits.
  let h = 0x811c9dc5;
  const text = `${key}#${attempt}`;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
};

/**
 * The wait after failed attempt `attempt` (1 for the first): `min(maxMs, initialMs ×
 * multiplier^(attempt-1))`, jittered to between half and all of it (`jitter` in [0, 1)), and
 * never above the contract's longest wait. Finite whatever the inputs: a product that overflows
 * is the cap.
 */
export const backoffMs = (b: Backoff, attempt: number, jitter: number): number => {
  const cap = Math.min(Math.max(0, b.maxMs), TaskLimits.maxRetryDelayMs);
  const grown = b.initialMs * b.multiplier ** Math.max(0, attempt - 1);
  const base = Number.isFinite(grown) ? Math.min(cap, Math.max(0, grown)) : cap;
  const j = Math.min(Math.max(jitter, 0), 1);
  return Math.round(base / 2 + (base / 2) * j);
};

/** True when a failure's code is one the task's policy says never to retry. */
export const neverRetried = (policy: RetryPolicy | undefined, code: string | undefined): boolean =>
  code !== undefined && (policy?.nonRetryable?.includes(code) ?? false);

/**
 * The delay after a retryable failure of attempt `attempt` stored at `at`: the backoff, or the
 * worker's `retryAfterMs` when longer, never past the contract's longest wait.
 */
export const retryDelay = (input: {
  readonly key: string;
  readonly attempt: number;
  readonly at: number;
  readonly pool: Backoff;
  readonly policy: RetryPolicy | undefined;
  readonly retryAfterMs: number | undefined;
}): Delay => {
  const wait = Math.min(
    TaskLimits.maxRetryDelayMs,
    Math.max(
      backoffMs(
        backoffOf(input.pool, input.policy),
        input.attempt,
        jitterOf(input.key, input.attempt),
      ),
      input.retryAfterMs ?? 0,
    ),
  );
  return { readyAt: input.at + wait, attempt: input.attempt, since: input.at };
};
