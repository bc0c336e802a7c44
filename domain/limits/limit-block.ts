import type { LimitPeriod } from '../../events/index.ts';
import { periodWindow } from './calendar.ts';
import type { Ledger, LimitsState } from './limits-state.ts';
import type { Amount, LimitedTask } from './reservation.ts';
import { scopesOf } from './reservation.ts';

/** The window of a rate limit. */
export const RATE_WINDOW_MS = 60_000;

/** Which limit holds a task back. */
export type LimitKind =
  'budget_usd' | 'budget_tokens' | 'tasks_rate' | 'tokens_rate' | 'concurrency';

/** A limit that holds a task back, with what a person needs to know about it. */
export interface LimitBlock {
  readonly scope: string;
  readonly kind: LimitKind;
  /** Spent and reserved (attempts, tokens, dollars, running) in the window now. */
  readonly used: number;
  readonly limit: number;
  /** What the task's attempt would add. */
  readonly need: number;
  /** The budget's period (budgets only). */
  readonly period?: LimitPeriod;
  /** When room comes back on its own: a calendar reset, or the oldest charge leaving the window. */
  readonly freesAt?: number;
  /** The attempt alone is larger than the limit: it never fits while the limit stands. */
  readonly never: boolean;
  /** The time it was judged at. */
  readonly at: number;
}

/** What a round of decisions reserved before the fold saw it, per scope. */
export interface Pending {
  count: number;
  running: number;
  usd: number;
  tokens: number;
}

/** Attempts, dollars and tokens charged from `start` on, and the oldest such charge's stamp. */
const since = (ledger: Ledger, start: number) => {
  let count = 0;
  let usd = 0;
  let tokens = 0;
  let oldest: number | undefined;
  // Newest last: walk back until the window's start.
  for (let i = ledger.charges.length - 1; i >= 0; i -= 1) {
    const c = ledger.charges[i];
    if (c === undefined || c.at < start) break;
    count += 1;
    usd += c.usd;
    tokens += c.tokens;
    oldest = c.at;
  }
  return { count, usd, tokens, oldest };
};

// Dollars are summed in floating point: a cent's billionth is no overspend.
const EPSILON = 1e-9;

/**
 * The first limit that an attempt of `task` reserving `amount` at `now` would break, or nothing
 * when every limit that binds it has room. `pending` adds what the caller reserved but the fold
 * has not seen yet. This one check is what the dispatcher decides by and the fold enforces.
 */
export const limitBlock = (
  limits: LimitsState,
  task: LimitedTask,
  amount: Amount,
  at: number,
  pending?: ReadonlyMap<string, Pending>,
): LimitBlock | undefined => {
  const now = Math.max(at, limits.clock);
  for (const scope of scopesOf(limits, task)) {
    const rule = limits.rules[scope];
    const ledger = limits.ledgers[scope];
    if (rule === undefined || ledger === undefined) continue;
    const p = pending?.get(scope) ?? { count: 0, running: 0, usd: 0, tokens: 0 };
    const block = (
      kind: LimitKind,
      used: number,
      limit: number,
      need: number,
      more: { period?: LimitPeriod; freesAt?: number | undefined } = {},
    ): LimitBlock | undefined =>
      used + need <= limit + EPSILON
        ? undefined
        : {
            scope,
            kind,
            used,
            limit,
            need,
            never: need > limit + EPSILON,
            at: now,
            ...(more.period === undefined ? {} : { period: more.period }),
            ...(more.freesAt === undefined ? {} : { freesAt: more.freesAt }),
          };
    if (rule.concurrency !== undefined) {
      const b = block('concurrency', ledger.running + p.running, rule.concurrency, 1);
      if (b !== undefined) return b;
    }
    if (rule.rate !== undefined) {
      const w = since(ledger, now - RATE_WINDOW_MS + 1);
      const freesAt = w.oldest === undefined ? undefined : w.oldest + RATE_WINDOW_MS;
      const { tasksPerMinute, tokensPerMinute } = rule.rate;
      const b =
        (tasksPerMinute === undefined
          ? undefined
          : block('tasks_rate', w.count + p.count, tasksPerMinute, 1, { freesAt })) ??
        (tokensPerMinute === undefined
          ? undefined
          : block('tokens_rate', w.tokens + p.tokens, tokensPerMinute, amount.tokens, {
              freesAt,
            }));
      if (b !== undefined) return b;
    }
    if (rule.budget !== undefined) {
      const { period } = rule.budget;
      const win = periodWindow(now, period);
      const w = since(ledger, win.start);
      const freesAt =
        win.end ??
        (w.oldest === undefined || period.kind !== 'rolling' ? undefined : w.oldest + period.ms);
      const { usd, tokens } = rule.budget;
      const b =
        (usd === undefined
          ? undefined
          : block('budget_usd', w.usd + p.usd, usd, amount.usd, { period, freesAt })) ??
        (tokens === undefined
          ? undefined
          : block('budget_tokens', w.tokens + p.tokens, tokens, amount.tokens, {
              period,
              freesAt,
            }));
      if (b !== undefined) return b;
    }
  }
  return undefined;
};

/** Adds an attempt's reservation to a round's pending amounts (mutates `pending`). */
export const addPending = (
  pending: Map<string, Pending>,
  scopes: readonly string[],
  amount: Amount,
): void => {
  for (const scope of scopes) {
    const p = pending.get(scope) ?? { count: 0, running: 0, usd: 0, tokens: 0 };
    p.count += 1;
    p.running += 1;
    p.usd += amount.usd;
    p.tokens += amount.tokens;
    pending.set(scope, p);
  }
};
