/**
 * Folding cost: events/s of the in-place fold, of one immer draft for the whole history, and of
 * one immer `produce` per entry (estimated from windows, or exact with `--exact`), printed.
 */
import {
  evolveEntries,
  evolveEntry,
  evolveEntryInPlace,
  initialState,
} from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import type { LogEntry } from '../../events/index.ts';
import type { History } from './history.ts';
import {
  EXACT,
  FOLD_BUDGET_NS,
  FOLD_ROUNDS_ESTIMATED,
  FOLD_WORKERS,
  POOL,
  ROUNDS,
} from './knobs.ts';
import { fmt, table } from './table.ts';
import { keep, median } from './timing.ts';

/**
 * `evolve` (one immer `produce` per entry) costs O(size of the state) per entry, so a full run
 * over the history takes ~45 s on a small machine: too slow for the bench. Its cost is estimated
 * instead: the history is cut into `SEGMENTS`; each segment's cost is its length times the
 * per-entry cost of `evolve` over `WINDOW` consecutive entries at the segment's start, folded
 * onto the (frozen) state the log has there. `--exact` also runs the whole thing.
 */
const SEGMENTS = 25;
const WINDOW = 16;

export interface Segment {
  /** The (frozen) state the log has at the segment's start. */
  readonly state: DispatchState;
  readonly window: LogEntry[];
  readonly events: number;
}

const eventsIn = (entries: readonly LogEntry[]): number =>
  entries.reduce((a, e) => a + ('events' in e ? e.events.length : 1), 0);

/** Cuts the history into segments, each with the state before it (built before timing starts). */
export const evolveSegments = (history: History): Segment[] => {
  const n = history.entries.length;
  const len = Math.ceil(n / SEGMENTS);
  const out: Segment[] = [];
  let state = initialState({ pool: POOL });
  for (let start = 0; start < n; start += len) {
    const segment = history.entries.slice(start, start + len);
    out.push({ state, window: segment.slice(0, WINDOW), events: eventsIn(segment) });
    state = evolveEntries(state, segment); // frozen, as `evolve` leaves it
  }
  return out;
};

/** One estimate of the whole history's `evolve` time, in ns. */
const estimateEvolve = (segments: readonly Segment[]): number => {
  let total = 0;
  for (const seg of segments) {
    let s = seg.state;
    const t0 = process.hrtime.bigint();
    for (const e of seg.window) s = evolveEntry(s, e).state;
    const ns = Number(process.hrtime.bigint() - t0);
    keep(s.position);
    total += (ns / eventsIn(seg.window)) * seg.events;
  }
  return total;
};

/** Exact folds of the whole history, timed end to end. */
const exactFolds = (history: History) => {
  const folds = [
    {
      name: 'evolveEntryInPlace in place (private state)',
      run: (): DispatchState => {
        const s = initialState({ pool: POOL });
        for (const e of history.entries) evolveEntryInPlace(s, e);
        return s;
      },
    },
    {
      name: 'evolveEntries (one immer draft for all)',
      run: (): DispatchState => evolveEntries(initialState({ pool: POOL }), history.entries),
    },
  ];
  if (EXACT)
    folds.push({
      name: 'evolve (immer produce per entry), exact',
      run: (): DispatchState => {
        let s = initialState({ pool: POOL });
        for (const e of history.entries) s = evolveEntry(s, e).state;
        return s;
      },
    });
  return folds;
};

/** Times every fold of the history and prints the table. */
export const foldCost = (history: History, segments: readonly Segment[]): void => {
  // One warm-up run each, then as many rounds as fit (at least 3, at most 7).
  const foldRows: string[][] = [
    ['fold of the same history', 'events/s', 'µs/event', 'vs in place'],
  ];
  const foldResults: { name: string; ns: number }[] = [];
  const finals: string[] = [];
  for (const f of exactFolds(history)) {
    const t0 = process.hrtime.bigint();
    finals.push(JSON.stringify(f.run()));
    const once = Number(process.hrtime.bigint() - t0);
    const rounds = Math.max(3, Math.min(ROUNDS, Math.floor(FOLD_BUDGET_NS / Math.max(once, 1))));
    const samples: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const s0 = process.hrtime.bigint();
      keep(f.run().position);
      samples.push(Number(process.hrtime.bigint() - s0));
    }
    foldResults.push({ name: `${f.name} [${rounds} rounds]`, ns: median(samples) });
  }
  if (new Set(finals).size !== 1) throw new Error('the folds disagree on the final state');
  // The sampled `evolve` must do what `evolveEntries` does on the same window.
  const lastSegment = segments.at(-1);
  if (lastSegment !== undefined) {
    const viaEvolve = lastSegment.window.reduce(
      (s, e) => evolveEntry(s, e).state,
      lastSegment.state,
    );
    const viaAll = evolveEntries(lastSegment.state, lastSegment.window);
    if (JSON.stringify(viaEvolve) !== JSON.stringify(viaAll))
      throw new Error('evolve and evolveEntries disagree');
  }
  estimateEvolve(segments); // warm-up
  const estimates = Array.from({ length: FOLD_ROUNDS_ESTIMATED }, () => estimateEvolve(segments));
  foldResults.push({
    name: `evolve (immer produce per entry), estimated* [${FOLD_ROUNDS_ESTIMATED} rounds]`,
    ns: median(estimates),
  });
  const base = foldResults[0]?.ns ?? NaN;
  for (const r of foldResults)
    foldRows.push([
      r.name,
      fmt((history.events * 1e9) / r.ns),
      fmt(r.ns / history.events / 1000, 2),
      `${fmt(r.ns / base, 1)}x`,
    ]);
  console.log(
    `\nFolding cost: ${fmt(history.events)} events in ${fmt(history.entries.length)} entries (${FOLD_WORKERS} workers; submissions, claim rounds, completions, retries), median`,
  );
  console.log(table(foldRows, (c) => c > 0));
  console.log(
    `* ${SEGMENTS} windows of ${WINDOW} entries, one per ${fmt(Math.ceil(history.entries.length / SEGMENTS))}-entry segment, scaled by segment size${EXACT ? '' : '; --exact times the whole run (slow)'}`,
  );
};
