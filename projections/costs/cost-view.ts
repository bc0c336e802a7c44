import type { ViewContext } from '../projection.ts';
import { inScope } from '../scope.ts';
import { priceTokens } from './price-table.ts';
import type { PriceTable } from './price-table.ts';
import type { CostCell, CostsState } from './state.ts';

/** Usage and cost of a set of reports. */
export interface CostFigures {
  /** Tasks completed. */
  readonly completed: number;
  /** Tasks a failure report ended (not retryable, or its last attempt). */
  readonly failed: number;
  /** Failed attempts reported, retried or not. */
  readonly failures: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** Reported cost plus the price-table cost of tokens reported without one. */
  readonly costUsd: number;
  /** The part of `costUsd` that comes from the price table. */
  readonly estimatedUsd: number;
  /** Tokens reported without a cost whose model has no price: not in `costUsd`. */
  readonly unpricedTokens: number;
  /** Wall time of the attempts on their workers. */
  readonly computeSeconds: number;
}

/** Figures of one project, pool and model. */
export interface CostRow extends CostFigures {
  readonly project: string;
  readonly pool: string;
  readonly model: string;
}

/** Figures of one UTC hour (stream time) of one project, pool and model. */
export interface HourlyCostRow extends CostRow {
  /** Start of the hour, ISO 8601 UTC. */
  readonly hour: string;
}

/** The cost rollup as one scope may see it: all time, by tenant, row, worker and hour. */
export interface CostView {
  readonly total: CostFigures;
  readonly byProject: readonly (CostFigures & { readonly project: string })[];
  /** Per project, pool and model. */
  readonly rows: readonly CostRow[];
  readonly byWorker: readonly (CostFigures & {
    readonly project: string;
    readonly pool: string;
    readonly workerId: string;
  })[];
  /** Per hour, project, pool and model, oldest first; the last 31 days. */
  readonly hourly: readonly HourlyCostRow[];
}

type Sum = { -readonly [K in keyof CostFigures]: CostFigures[K] };

const zero = (): Sum => ({
  completed: 0,
  failed: 0,
  failures: 0,
  tokensIn: 0,
  tokensOut: 0,
  costUsd: 0,
  estimatedUsd: 0,
  unpricedTokens: 0,
  computeSeconds: 0,
});

/** Nano-dollar and microsecond precision: sums of floats otherwise show their noise. */
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

const addCell = (sum: Sum, cell: CostCell, model: string, table: PriceTable) => {
  sum.completed += cell.completed;
  sum.failed += cell.failed;
  sum.failures += cell.failures;
  sum.tokensIn += cell.tokensIn;
  sum.tokensOut += cell.tokensOut;
  const estimated = priceTokens(table, model, cell.unpricedIn, cell.unpricedOut);
  if (estimated === undefined) sum.unpricedTokens += cell.unpricedIn + cell.unpricedOut;
  else sum.estimatedUsd += estimated;
  sum.costUsd += cell.reportedUsd + (estimated ?? 0);
  sum.computeSeconds += cell.computeMs / 1000;
};

const finish = (sum: Sum): CostFigures => ({
  ...sum,
  costUsd: round(sum.costUsd, 9),
  estimatedUsd: round(sum.estimatedUsd, 9),
  computeSeconds: round(sum.computeSeconds, 6),
});

/** Sums priced cells by a key, keeping the key's fields; rows come out sorted by key. */
const group = <C extends CostCell & { readonly model: string }, K extends Record<string, string>>(
  cells: Iterable<C>,
  keyOf: (cell: C) => K,
  table: PriceTable,
): (CostFigures & K)[] => {
  const sums = new Map<string, { key: K; sum: Sum }>();
  for (const cell of cells) {
    const key = keyOf(cell);
    const id = Object.values(key).join('\u0000');
    let entry = sums.get(id);
    if (entry === undefined) {
      entry = { key, sum: zero() };
      sums.set(id, entry);
    }
    addCell(entry.sum, cell, cell.model, table);
  }
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { key, sum }]) => ({ ...key, ...finish(sum) }));
};

/**
 * Rolls hourly rows from `from` (epoch ms; the hour that contains it counts whole) up into
 * one row per project, pool and model: what `fleet costs --since` shows.
 */
export const rollUpHours = (hourly: readonly HourlyCostRow[], from: number): CostRow[] => {
  const start = Math.floor(from / 3_600_000) * 3_600_000;
  const sums = new Map<string, { row: CostRow; sum: Sum }>();
  for (const h of hourly) {
    if (Date.parse(h.hour) < start) continue;
    const id = [h.project, h.pool, h.model].join('\u0000');
    let entry = sums.get(id);
    if (entry === undefined) {
      entry = { row: h, sum: zero() };
      sums.set(id, entry);
    }
    const s = entry.sum;
    for (const k of Object.keys(s) as (keyof Sum)[]) s[k] += h[k];
  }
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { row, sum }]) => ({
      project: row.project,
      pool: row.pool,
      model: row.model,
      ...finish(sum),
    }));
};

/** The sum of several rows' figures. */
export const sumCosts = (rows: readonly CostFigures[]): CostFigures => {
  const sum = zero();
  for (const row of rows) for (const k of Object.keys(sum) as (keyof Sum)[]) sum[k] += row[k];
  return finish(sum);
};

/** The cost view of `state` for `context.scope`, priced with `context.priceTable`. */
export const costView = (state: CostsState, context: ViewContext): CostView => {
  const { scope, priceTable } = context;
  const totals = Object.values(state.totals).filter((c) => inScope(scope, c.project));
  const hours = Object.values(state.hourly)
    .filter((c) => inScope(scope, c.project))
    .sort((a, b) => a.hour - b.hour);
  const [total] = group(totals, () => ({}), priceTable);
  return {
    total: total ?? finish(zero()),
    byProject: group(totals, (c) => ({ project: c.project }), priceTable),
    rows: group(totals, (c) => ({ project: c.project, pool: c.pool, model: c.model }), priceTable),
    byWorker: group(
      totals,
      (c) => ({ project: c.project, pool: c.pool, workerId: c.workerId }),
      priceTable,
    ),
    hourly: group(
      hours,
      (c) => ({
        hour: new Date(c.hour).toISOString(),
        project: c.project,
        pool: c.pool,
        model: c.model,
      }),
      priceTable,
    ),
  };
};
