/** Options of a `FailureLimiter`. */
export interface FailureLimiterOptions {
  /** Failures allowed per key within the window (default 10). */
  readonly maxFailures?: number;
  /** The sliding window (default one minute). */
  readonly windowMs?: number;
  /** Keys tracked at most; the least recently failed are forgotten first (default 10,000). */
  readonly maxKeys?: number;
}

/**
 * Counts failed attempts per key in a sliding window, in memory. Bounded: an attacker
 * inventing key ids cannot grow it past `maxKeys`.
 */
export class FailureLimiter {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly maxKeys: number;
  #failures = new Map<string, number[]>();

  constructor(options: FailureLimiterOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  #recent(key: string, now: number): number[] {
    const since = now - this.windowMs;
    const list = (this.#failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, list);
    return list;
  }

  /** True when `key` has used up its failures in the window ending at `now`. */
  limited(key: string, now: number): boolean {
    return this.#recent(key, now).length >= this.maxFailures;
  }

  /** Records one failure of `key` at `now`. */
  fail(key: string, now: number): void {
    const list = this.#recent(key, now);
    // Re-inserted last, so the map's order is least recently failed first.
    this.#failures.delete(key);
    this.#failures.set(key, [...list, now]);
    for (const oldest of this.#failures.keys()) {
      if (this.#failures.size <= this.maxKeys) break;
      this.#failures.delete(oldest);
    }
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.#failures.size;
  }
}
