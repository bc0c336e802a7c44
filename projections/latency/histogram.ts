import { z } from 'zod';

/** Buckets per factor of ten: each bucket's bound is ~12% above the previous one. */
const PER_DECADE = 20;
const LOWEST_MS = 0.1;
const HIGHEST_MS = 3_600_000;

/**
 * Upper bounds (ms, inclusive) of the fixed log-spaced buckets, 0.1 ms to just over an hour,
 * rounded to four significant digits; one more bucket past the last takes anything longer.
 */
export const BUCKET_BOUNDS_MS: readonly number[] = (() => {
  const bounds: number[] = [];
  for (let i = 0; bounds.at(-1) === undefined || (bounds.at(-1) ?? 0) < HIGHEST_MS; i += 1)
    bounds.push(Number((LOWEST_MS * 10 ** (i / PER_DECADE)).toPrecision(4)));
  return bounds;
})();

/** Counts of durations in the fixed buckets, with their count, sum, least and greatest. */
export interface Histogram {
  /** Bucket index → count; absent buckets are empty. */
  counts: Record<string, number>;
  count: number;
  sumMs: number;
  minMs: number;
  maxMs: number;
}

/** An empty histogram. */
export const emptyHistogram = (): Histogram => ({
  counts: {},
  count: 0,
  sumMs: 0,
  minMs: 0,
  maxMs: 0,
});

/** Validates a checkpointed histogram. */
export const HistogramSchema: z.ZodType<Histogram> = z.object({
  counts: z.record(z.string(), z.number().int().positive()),
  count: z.number().int().nonnegative(),
  sumMs: z.number().nonnegative(),
  minMs: z.number().nonnegative(),
  maxMs: z.number().nonnegative(),
});

/** The bucket a duration falls in (the overflow bucket past the last bound). */
export const bucketOf = (ms: number): number => {
  const n = BUCKET_BOUNDS_MS.length;
  let i = ms <= LOWEST_MS ? 0 : Math.ceil(PER_DECADE * Math.log10(ms / LOWEST_MS));
  i = Math.min(Math.max(i, 0), n);
  // The bounds are rounded: step to the exact bucket.
  while (i > 0 && ms <= (BUCKET_BOUNDS_MS[i - 1] ?? -Infinity)) i -= 1;
  while (i < n && ms > (BUCKET_BOUNDS_MS[i] ?? Infinity)) i += 1;
  return i;
};

/** Counts one duration (negative ones, from clock steps, as zero). */
export const record = (h: Histogram, ms: number): void => {
  const v = Math.max(0, ms);
  const b = String(bucketOf(v));
  h.counts[b] = (h.counts[b] ?? 0) + 1;
  h.minMs = h.count === 0 ? v : Math.min(h.minMs, v);
  h.maxMs = h.count === 0 ? v : Math.max(h.maxMs, v);
  h.count += 1;
  h.sumMs += v;
};

/** Adds `from` into `into`. */
export const merge = (into: Histogram, from: Histogram): void => {
  if (from.count === 0) return;
  for (const [b, n] of Object.entries(from.counts)) into.counts[b] = (into.counts[b] ?? 0) + n;
  into.minMs = into.count === 0 ? from.minMs : Math.min(into.minMs, from.minMs);
  into.maxMs = into.count === 0 ? from.maxMs : Math.max(into.maxMs, from.maxMs);
  into.count += from.count;
  into.sumMs += from.sumMs;
};

/**
 * The `q` quantile (0 < q ≤ 1) read from the buckets: the upper bound of the bucket holding
 * the `ceil(q·count)`-th duration, kept within the least and greatest seen. Null when empty.
 */
export const quantile = (h: Histogram, q: number): number | null => {
  if (h.count === 0) return null;
  const rank = Math.max(1, Math.ceil(q * h.count));
  const buckets = Object.keys(h.counts)
    .map(Number)
    .sort((a, b) => a - b);
  let seen = 0;
  for (const b of buckets) {
    seen += h.counts[String(b)] ?? 0;
    if (seen >= rank) {
      const bound = BUCKET_BOUNDS_MS[b] ?? h.maxMs;
      return Math.min(Math.max(bound, h.minMs), h.maxMs);
    }
  }
  return h.maxMs;
};
