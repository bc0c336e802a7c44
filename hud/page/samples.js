// @ts-check
// The history the page keeps of the snapshots for its charts and its recent figures: the view
// holds totals since the start, the page derives rates and recent latency from their changes.
/* exported samples, addSample, seedSamples, currentRate, perSecondSeries, span */

/** Seconds of history kept for the charts. */
const WINDOW_S = 180;
/** The charts' span grows with the history the page has, from this much to `WINDOW_S`. */
const MIN_SPAN_S = 30;
/** Latency quantiles on the charts cover this much time before each point. */
const LATENCY_WINDOW_MS = 5_000;

/**
 * What the page keeps of each snapshot for its charts: counts, cumulative latency buckets,
 * and the latency quantiles of the few seconds before it.
 * @typedef {{ t: number; completed: number; wait: Map<number, number>; run: Map<number, number>;
 *   waitP50: number | null; waitP99: number | null; runP50: number | null; runP99: number | null }} Sample
 */
/** @type {Sample[]} */
const samples = [];

/**
 * Cumulative bucket counts of one latency kind, by upper bound (Infinity for the overflow).
 * @param {any} snap
 * @param {string} kind
 * @returns {Map<number, number>}
 */
const bucketsOf = (snap, kind) => bucketMap(latencyTotal(snap, kind).buckets);

/**
 * Quantiles of what happened between two cumulative bucket maps: the recent latency, where
 * the view's own quantiles cover all time.
 * @param {Map<number, number>} now
 * @param {Map<number, number> | undefined} before
 * @param {number} maxMs what the overflow bucket reads as
 */
const windowQuantiles = (now, before, maxMs) => {
  const deltas = [...now.entries()]
    .map(([le, n]) => /** @type {[number, number]} */ ([le, n - (before?.get(le) ?? 0)]))
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const count = deltas.reduce((n, [, c]) => n + c, 0);
  /** @param {number} q */
  const at = (q) => {
    if (count === 0) return null;
    let seen = 0;
    for (const [le, n] of deltas) {
      seen += n;
      if (seen >= q * count) return le === Infinity ? maxMs : le;
    }
    return null;
  };
  return { count, p50: at(0.5), p99: at(0.99) };
};

/**
 * Cumulative bucket counts from the buckets a view or a history point lists.
 * @param {unknown} buckets
 * @returns {Map<number, number>}
 */
const bucketMap = (buckets) => {
  const out = new Map();
  for (const b of list(buckets)) {
    const le = typeof b.leMs === 'number' ? b.leMs : Infinity;
    out.set(le, num(b.count));
  }
  return out;
};

/**
 * Keeps one sample, with the latency of the few seconds before it, and forgets what left the
 * window.
 * @param {{ t: number; completed: number; wait: Map<number, number>; run: Map<number, number>;
 *   waitMaxMs: number; runMaxMs: number }} p
 */
const pushSample = (p) => {
  // The latest sample at least a window old, else the first: what happened since is recent.
  let ref = samples[0];
  for (const s of samples) if (s.t <= p.t - LATENCY_WINDOW_MS) ref = s;
  const w = windowQuantiles(p.wait, ref?.wait, p.waitMaxMs);
  const r = windowQuantiles(p.run, ref?.run, p.runMaxMs);
  samples.push({
    t: p.t,
    completed: p.completed,
    wait: p.wait,
    run: p.run,
    waitP50: w.p50,
    waitP99: w.p99,
    runP50: r.p50,
    runP99: r.p99,
  });
  const oldest = Date.now() - (WINDOW_S + 5) * 1000;
  while (samples[0] !== undefined && samples[0].t < oldest) samples.shift();
};

/** Keeps what the page needs of the current snapshot. */
const addSample = () => {
  pushSample({
    t: Date.now(),
    completed: num(taskTotals().completed),
    wait: bucketsOf(snapshot, 'submitToAssign'),
    run: bucketsOf(snapshot, 'assignToComplete'),
    waitMaxMs: num(latencyTotal(snapshot, 'submitToAssign').maxMs),
    runMaxMs: num(latencyTotal(snapshot, 'assignToComplete').maxMs),
  });
};

/**
 * Starts the charts from the server's recent history (`/api/history`), oldest first, so a page
 * opened now shows the last minutes rather than an empty chart.
 * @param {unknown} points
 */
const seedSamples = (points) => {
  for (const p of list(points)) {
    const t = num(p.t);
    if (samples.length > 0 && t <= /** @type {Sample} */ (samples.at(-1)).t) continue;
    pushSample({
      t,
      completed: num(p.completed),
      wait: bucketMap(p.wait),
      run: bucketMap(p.run),
      waitMaxMs: num(p.waitMaxMs),
      runMaxMs: num(p.runMaxMs),
    });
  }
};

/** Completions per second over the last five seconds or so. */
const currentRate = () => {
  const now = Date.now();
  const recent = samples.filter((s) => s.t >= now - 5_000);
  const first = recent[0];
  const before = first === undefined ? undefined : samples[samples.indexOf(first) - 1];
  const from = before ?? first;
  const last = samples.at(-1);
  if (from === undefined || last === undefined || last === from) return 0;
  return Math.max(0, (last.completed - from.completed) / Math.max(1, (now - from.t) / 1000));
};

/**
 * Completions per second at the end of each whole second of the window: the count's rise
 * over the two seconds before, or since the first sample when the page is younger.
 * @returns {[number, number][]}
 */
const perSecondSeries = () => {
  const first = samples[0];
  if (first === undefined) return [];
  /** The completed count at time `t`: the last sample's at or before it. */
  let i = 0;
  let value = first.completed;
  /** @param {number} t */
  const countAt = (t) => {
    for (let s = samples[i]; s !== undefined && s.t <= t; s = samples[i]) {
      value = s.completed;
      i += 1;
    }
    return value;
  };
  /** @type {[number, number][]} */
  const points = [];
  /** @type {Map<number, number>} */
  const counts = new Map();
  // The second under way is not over: its count would read low.
  const last = Math.floor(Date.now() / 1000) * 1000;
  for (let t = last - span() * 1000; t <= last; t += 1000) {
    if (t <= first.t) continue;
    counts.set(t, countAt(t));
    const before = counts.get(t - 2000);
    const base =
      before === undefined ? { t: first.t, n: first.completed } : { t: t - 2000, n: before };
    const seconds = Math.max(0.5, (t - base.t) / 1000);
    points.push([t, Math.max(0, (value - base.n) / seconds)]);
  }
  return points;
};

/** Seconds the charts span now. */
const span = () => {
  const first = samples[0];
  const had = first === undefined ? 0 : (Date.now() - first.t) / 1000;
  return Math.min(WINDOW_S, Math.max(MIN_SPAN_S, Math.ceil(had / 10) * 10));
};
