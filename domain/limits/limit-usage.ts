import { periodWindow } from './calendar.ts';
import { RATE_WINDOW_MS } from './limit-block.ts';
import type { LimitKind } from './limit-block.ts';
import type { LimitPeriod } from '../../events/index.ts';
import type { LimitsState } from './limits-state.ts';
import { scopeOf } from './limits-state.ts';

/** One limit of a scope as it stands: used (spent and reserved) against its maximum. */
export interface LimitUsage {
  readonly project: string;
  readonly model?: string;
  readonly kind: LimitKind;
  readonly used: number;
  readonly limit: number;
  readonly period?: LimitPeriod;
  /** When a calendar budget resets. */
  readonly resetsAt?: number;
  /** A budget's spend per hour since its period (or window) began. */
  readonly burnPerHour?: number;
  /** What reports spent beyond their reservations (budgets in USD or tokens). */
  readonly overrun?: number;
}

/** Every limit in force and how much of it is used at `now`, for the views and `/metrics`. */
export const limitUsage = (limits: LimitsState, now: number): LimitUsage[] => {
  const out: LimitUsage[] = [];
  const at = Math.max(now, limits.clock);
  for (const [scope, rule] of Object.entries(limits.rules)) {
    const ledger = limits.ledgers[scope];
    if (ledger === undefined) continue;
    const who = scopeOf(scope);
    const since = (start: number) => {
      const cs = ledger.charges.filter((c) => c.at >= start);
      return {
        count: cs.length,
        usd: cs.reduce((n, c) => n + c.usd, 0),
        tokens: cs.reduce((n, c) => n + c.tokens, 0),
      };
    };
    if (rule.concurrency !== undefined)
      out.push({ ...who, kind: 'concurrency', used: ledger.running, limit: rule.concurrency });
    if (rule.rate !== undefined) {
      const m = since(at - RATE_WINDOW_MS + 1);
      if (rule.rate.tasksPerMinute !== undefined)
        out.push({ ...who, kind: 'tasks_rate', used: m.count, limit: rule.rate.tasksPerMinute });
      if (rule.rate.tokensPerMinute !== undefined)
        out.push({ ...who, kind: 'tokens_rate', used: m.tokens, limit: rule.rate.tokensPerMinute });
    }
    const b = rule.budget;
    if (b !== undefined) {
      const win = periodWindow(at, b.period);
      const p = since(win.start);
      const hours = Math.max(1 / 60, (at - win.start) / 3_600_000);
      const common = {
        ...who,
        period: b.period,
        ...(win.end === undefined ? {} : { resetsAt: win.end }),
      };
      if (b.usd !== undefined)
        out.push({
          ...common,
          kind: 'budget_usd',
          used: p.usd,
          limit: b.usd,
          burnPerHour: p.usd / hours,
          overrun: ledger.overrun.usd,
        });
      if (b.tokens !== undefined)
        out.push({
          ...common,
          kind: 'budget_tokens',
          used: p.tokens,
          limit: b.tokens,
          burnPerHour: p.tokens / hours,
          overrun: ledger.overrun.tokens,
        });
    }
  }
  return out;
};
