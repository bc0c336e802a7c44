import { DEFAULT_PRICE_TABLE, priceTokens } from '../../events/index.ts';
import type { Usage } from '../../events/index.ts';
import { periodWindow } from './calendar.ts';
import { RATE_WINDOW_MS } from './limit-block.ts';
import type { Charge, Hold, Ledger, LimitRule, LimitsState } from './limits-state.ts';
import { scopeOf } from './limits-state.ts';
import type { Amount, LimitedTask } from './reservation.ts';
import { scopesOf } from './reservation.ts';

// Every function here mutates the limits it is given: call it on a draft or a private copy.

/** True when the scope binds a task of `project` accepting `models`. */
const binds = (scope: string, project: string, models: readonly string[] | undefined): boolean => {
  const s = scopeOf(scope);
  return s.project === project && (s.model === undefined || (models ?? []).includes(s.model));
};

/** The earliest stamp any window of `rule` still counts at `now`. */
const horizon = (rule: LimitRule, now: number): number => {
  let h = now;
  if (rule.rate !== undefined) h = Math.min(h, now - RATE_WINDOW_MS + 1);
  if (rule.budget !== undefined) h = Math.min(h, periodWindow(now, rule.budget.period).start);
  return h;
};

/** Charges no window counts any more leave their ledger. */
const prune = (ledger: Ledger, rule: LimitRule, now: number): void => {
  const h = horizon(rule, now);
  let n = 0;
  while (n < ledger.charges.length && (ledger.charges[n]?.at ?? h) < h) n += 1;
  if (n > 0) ledger.charges.splice(0, n);
};

/** Moves the limits' clock to the stream time `at` (never back), pruning what it leaves behind. */
export const advance = (limits: LimitsState, at: number): void => {
  if (at <= limits.clock) return;
  limits.clock = at;
  for (const [scope, ledger] of Object.entries(limits.ledgers)) {
    const rule = limits.rules[scope];
    if (rule !== undefined && ledger.charges.length > 0) prune(ledger, rule, at);
  }
};

/**
 * Puts `rule` in force for a scope, replacing any. A scope new to limits starts its ledger with
 * the attempts running then (their reservations, stamped when they started): what settled
 * before the limit existed is not counted by it.
 */
export const setRule = (
  limits: LimitsState,
  scope: string,
  project: string,
  rule: LimitRule,
): void => {
  limits.rules[scope] = rule;
  const ledger = (limits.ledgers[scope] ??= seed(limits, scope, project));
  prune(ledger, rule, limits.clock);
};

/** A new scope's ledger: the attempts running now that it binds, stamped when they started. */
const seed = (limits: LimitsState, scope: string, project: string): Ledger => {
  const charges: Charge[] = [];
  for (const [key, h] of Object.entries(limits.holds))
    if (key.startsWith(`${project}/`) && binds(scope, project, h.models))
      charges.push({
        key: `${key}#${h.attempt}`,
        at: h.at,
        usd: h.usd,
        tokens: h.tokens,
        held: true,
      });
  charges.sort((a, b) => a.at - b.at);
  return { charges, running: charges.length, overrun: { usd: 0, tokens: 0 } };
};

/** Lifts the limits of a scope: its ledger goes too. */
export const clearRule = (limits: LimitsState, scope: string): void => {
  delete limits.rules[scope];
  delete limits.ledgers[scope];
};

/**
 * Reserves `amount` for attempt `attempt` of `task` in every scope binding it, stamped at the
 * stream time `at` (never before the limits' clock).
 */
export const reserve = (
  limits: LimitsState,
  task: LimitedTask,
  attempt: number,
  amount: Amount,
  at: number,
): void => {
  const hold: Hold = {
    attempt,
    at: Math.max(at, limits.clock),
    usd: amount.usd,
    tokens: amount.tokens,
    ...(task.models === undefined ? {} : { models: [...task.models] }),
  };
  // A new attempt replaces any hold of the task (its earlier attempt ended), counted once.
  if (limits.holds[task.key] === undefined)
    limits.running[task.project] = (limits.running[task.project] ?? 0) + 1;
  limits.holds[task.key] = hold;
  for (const scope of scopesOf(limits, task)) {
    const ledger = limits.ledgers[scope];
    if (ledger === undefined) continue;
    ledger.charges.push({ key: `${task.key}#${attempt}`, at: hold.at, ...amount, held: true });
    ledger.running += 1;
  }
};

/** What a report says the attempt spent: its own dollar figure, else its tokens priced. */
const spent = (hold: Hold, usage: Usage): Amount => {
  const tokens = usage.tokensIn + usage.tokensOut;
  const model = usage.model ?? (hold.models?.length === 1 ? hold.models[0] : undefined);
  const priced =
    model === undefined
      ? undefined
      : priceTokens(DEFAULT_PRICE_TABLE, model, usage.tokensIn, usage.tokensOut);
  // No price and no figure: the reservation stands as the charge.
  return { usd: usage.costUsd ?? priced ?? hold.usd, tokens };
};

/**
 * Ends the reservation of `taskKey`'s running attempt. With a report's usage, each charge
 * becomes what the attempt spent (nothing in the scope of a model it did not run on), and
 * spending beyond the reservation is counted as an overrun; without one (the attempt was
 * abandoned or cancelled), the whole reservation stays charged: it may have been spent.
 */
export const settle = (limits: LimitsState, taskKey: string, usage?: Usage): void => {
  const hold = limits.holds[taskKey];
  if (hold === undefined) return;
  delete limits.holds[taskKey];
  const project = taskKey.slice(0, taskKey.indexOf('/'));
  const left = (limits.running[project] ?? 1) - 1;
  if (left > 0) limits.running[project] = left;
  else delete limits.running[project];
  const key = `${taskKey}#${hold.attempt}`;
  const actual = usage === undefined ? undefined : spent(hold, usage);
  for (const [scope, ledger] of Object.entries(limits.ledgers)) {
    if (!binds(scope, project, hold.models)) continue;
    ledger.running = Math.max(0, ledger.running - 1);
    let charge: Charge | undefined;
    for (let i = ledger.charges.length - 1; i >= 0 && charge === undefined; i -= 1)
      if (ledger.charges[i]?.key === key) charge = ledger.charges[i];
    if (charge === undefined) continue;
    charge.held = false;
    if (actual === undefined) continue;
    const model = scopeOf(scope).model;
    const elsewhere = model !== undefined && usage?.model !== undefined && usage.model !== model;
    const now = elsewhere ? { usd: 0, tokens: 0 } : actual;
    ledger.overrun.usd += Math.max(0, now.usd - charge.usd);
    ledger.overrun.tokens += Math.max(0, now.tokens - charge.tokens);
    charge.usd = now.usd;
    charge.tokens = now.tokens;
  }
};
