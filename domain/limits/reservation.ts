import { DEFAULT_ESTIMATE, DEFAULT_PRICE_TABLE } from '../../events/index.ts';
import type { Declared, LimitRule, LimitsState } from './limits-state.ts';
import { scopeKey } from './limits-state.ts';

export { DEFAULT_ESTIMATE };

/** What a task is, for its limits. */
export interface LimitedTask {
  readonly key: string;
  readonly project: string;
  readonly models?: readonly string[] | undefined;
}

/** An attempt's reservation. */
export interface Amount {
  readonly usd: number;
  readonly tokens: number;
}

/** The dearest price per token among `models` of the price table, if any has one. */
const dearest = (models: readonly string[] | undefined): number | undefined => {
  let best: number | undefined;
  for (const m of models ?? []) {
    const p = Object.hasOwn(DEFAULT_PRICE_TABLE, m) ? DEFAULT_PRICE_TABLE[m] : undefined;
    if (p === undefined) continue;
    const rate = Math.max(p.inPerMillion, p.outPerMillion) / 1_000_000;
    if (best === undefined || rate > best) best = rate;
  }
  return best;
};

/**
 * What one attempt of `task` reserves: its declared maximum, else the `estimate` of the most
 * specific limit that binds it (a model's before its project's), else `DEFAULT_ESTIMATE`. A
 * missing dollar figure is priced from the tokens when the models have a price.
 */
export const reservationOf = (limits: LimitsState, task: LimitedTask): Amount => {
  const declared: Declared = limits.declared[task.key] ?? {};
  const rules: LimitRule[] = [];
  for (const m of task.models ?? []) {
    const r = limits.rules[scopeKey(task.project, m)];
    if (r !== undefined) rules.push(r);
  }
  const own = limits.rules[scopeKey(task.project)];
  if (own !== undefined) rules.push(own);
  const tokens =
    declared.tokens ??
    rules.find((r) => r.estimate?.tokens !== undefined)?.estimate?.tokens ??
    DEFAULT_ESTIMATE.tokens;
  const rate = dearest(task.models);
  const usd =
    declared.usd ??
    rules.find((r) => r.estimate?.usd !== undefined)?.estimate?.usd ??
    (rate === undefined ? DEFAULT_ESTIMATE.usd : tokens * rate);
  return { usd, tokens };
};

/** The scopes whose limits bind `task`: its project's and those of the models it accepts. */
export const scopesOf = (limits: LimitsState, task: LimitedTask): string[] => {
  const out: string[] = [];
  const own = scopeKey(task.project);
  if (limits.rules[own] !== undefined) out.push(own);
  for (const m of task.models ?? []) {
    const k = scopeKey(task.project, m);
    if (limits.rules[k] !== undefined && !out.includes(k)) out.push(k);
  }
  return out;
};
