import type { ViewContext } from '../projection.ts';
import { inScope } from '../scope.ts';
import { BUCKET_BOUNDS_MS, emptyHistogram, merge, quantile } from './histogram.ts';
import type { Histogram } from './histogram.ts';
import type { LatencyState } from './state.ts';

/** A latency distribution, read from its histogram. */
export interface HistogramView {
  readonly count: number;
  readonly meanMs: number | null;
  readonly minMs: number | null;
  readonly maxMs: number | null;
  /** Quantiles: the upper bound of the bucket that holds them (buckets are ~12% wide). */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  /** Non-empty buckets, by upper bound (null: longer than the last bound). */
  readonly buckets: readonly { readonly leMs: number | null; readonly count: number }[];
}

/** The latencies of one project in one pool. */
export interface LatencyGroupView {
  readonly project: string;
  readonly pool: string;
  readonly submitToAssign: HistogramView;
  readonly assignToComplete: HistogramView;
}

/** Latency as one scope may see it: its groups, and their sum. */
export interface LatencyView {
  readonly total: {
    readonly submitToAssign: HistogramView;
    readonly assignToComplete: HistogramView;
  };
  readonly groups: readonly LatencyGroupView[];
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** The plain view of a histogram. */
export const histogramView = (h: Histogram): HistogramView => {
  const q = (p: number) => quantile(h, p);
  return {
    count: h.count,
    meanMs: h.count === 0 ? null : round(h.sumMs / h.count),
    minMs: h.count === 0 ? null : h.minMs,
    maxMs: h.count === 0 ? null : h.maxMs,
    p50Ms: q(0.5),
    p95Ms: q(0.95),
    p99Ms: q(0.99),
    buckets: Object.keys(h.counts)
      .map(Number)
      .sort((a, b) => a - b)
      .map((b) => ({ leMs: BUCKET_BOUNDS_MS[b] ?? null, count: h.counts[String(b)] ?? 0 })),
  };
};

/** The latency view of `state` for `context.scope`. */
export const latencyView = (state: LatencyState, { scope }: ViewContext): LatencyView => {
  const groups = Object.values(state.groups)
    .filter((g) => inScope(scope, g.project))
    .sort((a, b) =>
      a.project === b.project ? (a.pool < b.pool ? -1 : 1) : a.project < b.project ? -1 : 1,
    );
  const submit = emptyHistogram();
  const run = emptyHistogram();
  for (const g of groups) {
    merge(submit, g.submitToAssign);
    merge(run, g.assignToComplete);
  }
  return {
    total: { submitToAssign: histogramView(submit), assignToComplete: histogramView(run) },
    groups: groups.map((g) => ({
      project: g.project,
      pool: g.pool,
      submitToAssign: histogramView(g.submitToAssign),
      assignToComplete: histogramView(g.assignToComplete),
    })),
  };
};
