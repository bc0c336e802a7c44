import { DEFAULT_ESTIMATE, DEFAULT_PRICE_TABLE, priceTokens } from '../../events/index.ts';
import type { EventOf, LimitPeriod, LimitRule, Usage } from '../../events/index.ts';

/**
 * The audit's own reckoning of limits (budgets, rates, caps), written apart from the pool's
 * rule on purpose (domain/limits/): it keeps every attempt's charge of a pool in one list and
 * finds a calendar period's start by searching the clock, not by arithmetic on offsets. The
 * rules are the contract's (docs/operations.md, limits): a charge is stamped when its attempt
 * starts; a report settles it to what was spent (nothing under a model it did not run on); an
 * attempt that ends without a report stays charged its reservation; a scope counts the
 * attempts running when its limit was set and those started since, within its windows.
 */

const RATE_MS = 60_000;
const EPSILON = 1e-9;

interface AuditCharge {
  readonly task: string;
  /** Order of starts: a scope counts those after its creation. */
  readonly order: number;
  readonly at: number;
  readonly models: readonly string[] | undefined;
  usd: number;
  tokens: number;
  /** The model its report said it ran on. */
  ranOn: string | undefined;
}

interface AuditRule {
  readonly project: string;
  readonly model: string | undefined;
  rule: LimitRule;
  /** Starts up to this order belong to the scope only if they were running at its creation. */
  readonly createdAfter: number;
  readonly seeded: ReadonlySet<AuditCharge>;
  /** No window counts a charge stamped before this any more. */
  floor: number;
}

/** What the audit needs to know of a task for its limits. */
export interface LimitSubject {
  readonly key: string;
  readonly project: string;
  readonly pool: string;
  readonly models: readonly string[] | undefined;
  readonly maxSpend: { readonly usd?: number; readonly tokens?: number } | undefined;
}

const formats = new Map<string, Intl.DateTimeFormat>();
/** `YYYY-MM-DD` of `at` on the clock of `zone` (`YYYY-MM` for a month). */
const label = (at: number, kind: 'day' | 'month', zone: string): string => {
  let f = formats.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formats.set(zone, f);
  }
  const text = f.format(new Date(at));
  return kind === 'day' ? text : text.slice(0, 7);
};

/** The first instant of the local day or month holding `at`: a binary search over the clock. */
const calendarStart = (at: number, kind: 'day' | 'month', zone: string): number => {
  const want = label(at, kind, zone);
  let lo = at - (kind === 'day' ? 2 : 33) * 86_400_000; // surely in an earlier period
  let hi = at;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (label(mid, kind, zone) === want) hi = mid;
    else lo = mid;
  }
  return hi;
};

const windowStart = (now: number, p: LimitPeriod): number =>
  p.kind === 'rolling' ? now - p.ms + 1 : calendarStart(now, p.kind, p.timeZone);

const horizon = (rule: LimitRule, now: number): number => {
  let h = now;
  if (rule.rate !== undefined) h = Math.min(h, now - RATE_MS + 1);
  if (rule.budget !== undefined) h = Math.min(h, windowStart(now, rule.budget.period));
  return h;
};

/** The audit's limits of every pool it reads. */
export class AuditLimits {
  /** `pool/project|model` → the rule in force. */
  readonly #rules = new Map<string, AuditRule>();
  /** Pool → its attempts' charges, in start order. */
  readonly #charges = new Map<string, AuditCharge[]>();
  /** Task key → the charge of its running attempt. */
  readonly #running = new Map<string, AuditCharge>();
  /** Pool → the latest stream time folded of it. */
  readonly #clock = new Map<string, number>();
  #order = 0;
  /** Pool → its capacity across projects (`limit.set --capacity`). */
  readonly #capacity = new Map<string, number>();

  /** Scopes with a limit in force. */
  get scopes(): number {
    return this.#rules.size;
  }

  /** The pool's clock moves to `at` (never back); windows leave old charges behind. */
  tick(pool: string, at: number): void {
    const now = Math.max(this.#clock.get(pool) ?? 0, at);
    this.#clock.set(pool, now);
    let floor = Infinity;
    for (const [key, r] of this.#rules)
      if (key.startsWith(`${pool}/`)) {
        r.floor = Math.max(r.floor, horizon(r.rule, now));
        floor = Math.min(floor, r.floor);
      }
    // A charge no window counts, of an attempt that ended, is owed to no scope now or later.
    const list = this.#charges.get(pool) ?? [];
    let n = 0;
    while (n < list.length) {
      const c = list[n];
      if (c === undefined || c.at >= floor || this.#running.get(c.task) === c) break;
      n += 1;
    }
    if (n > 0) list.splice(0, n);
  }

  #binds(r: AuditRule, project: string, models: readonly string[] | undefined): boolean {
    return r.project === project && (r.model === undefined || (models ?? []).includes(r.model));
  }

  /** An operator sets or clears the limits of a scope. */
  fold(e: EventOf<'limit.set'> | EventOf<'limit.cleared'>): void {
    const { project, pool, model } = e.data;
    const key = `${pool}/${project}|${model ?? ''}`;
    // A pool's capacity binds every project of the pool, whichever subject it came on.
    if (e.data.capacity !== undefined) {
      if (e.type === 'limit.set') this.#capacity.set(pool, e.data.capacity);
      else this.#capacity.delete(pool);
      return;
    }
    if (e.type === 'limit.cleared') {
      this.#rules.delete(key);
      return;
    }
    const { project: _project, pool: _pool, ...rule } = e.data;
    const now = this.#clock.get(pool) ?? 0;
    const r: AuditRule = this.#rules.get(key) ?? {
      project,
      model,
      rule,
      createdAfter: this.#order,
      seeded: new Set(
        [...this.#running.values()].filter(
          (c) =>
            c.task.startsWith(`${project}/${pool}/`) &&
            (model === undefined || (c.models ?? []).includes(model)),
        ),
      ),
      floor: -Infinity,
    };
    r.rule = rule;
    r.floor = Math.max(r.floor, horizon(rule, now));
    this.#rules.set(key, r);
  }

  /** What one attempt of `t` reserves. */
  reservation(t: LimitSubject): { usd: number; tokens: number } {
    const rules: LimitRule[] = [];
    for (const m of t.models ?? []) {
      const r = this.#rules.get(`${t.pool}/${t.project}|${m}`);
      if (r !== undefined) rules.push(r.rule);
    }
    const own = this.#rules.get(`${t.pool}/${t.project}|`);
    if (own !== undefined) rules.push(own.rule);
    const tokens =
      t.maxSpend?.tokens ??
      rules.find((r) => r.estimate?.tokens !== undefined)?.estimate?.tokens ??
      DEFAULT_ESTIMATE.tokens;
    const rates = (t.models ?? []).flatMap((m) => {
      const p = Object.hasOwn(DEFAULT_PRICE_TABLE, m) ? DEFAULT_PRICE_TABLE[m] : undefined;
      return p === undefined ? [] : [Math.max(p.inPerMillion, p.outPerMillion) / 1_000_000];
    });
    const usd =
      t.maxSpend?.usd ??
      rules.find((r) => r.estimate?.usd !== undefined)?.estimate?.usd ??
      (rates.length === 0 ? DEFAULT_ESTIMATE.usd : tokens * Math.max(...rates));
    return { usd, tokens };
  }

  /** Why an attempt of `t` starting at stream time `at` breaks a limit in force, or nothing. */
  breach(t: LimitSubject, at: number): string | undefined {
    const now = Math.max(this.#clock.get(t.pool) ?? 0, at);
    const need = this.reservation(t);
    const charges = this.#charges.get(t.pool) ?? [];
    const capacity = this.#capacity.get(t.pool);
    if (capacity !== undefined) {
      const running = [...this.#running.keys()].filter((k) => k.split('/')[1] === t.pool).length;
      if (running + 1 > capacity) return `pool ${t.pool}: ${running} running, capacity ${capacity}`;
    }
    for (const [key, r] of this.#rules) {
      if (!key.startsWith(`${t.pool}/`) || !this.#binds(r, t.project, t.models)) continue;
      const member = (c: AuditCharge) =>
        c.task.startsWith(`${t.project}/${t.pool}/`) &&
        (r.model === undefined || (c.models ?? []).includes(r.model)) &&
        (c.order > r.createdAfter || r.seeded.has(c));
      const owed = (c: AuditCharge) =>
        r.model !== undefined && c.ranOn !== undefined && c.ranOn !== r.model
          ? { usd: 0, tokens: 0 }
          : c;
      const since = (from: number) =>
        charges.filter((c) => c.at >= Math.max(from, r.floor) && member(c)).map(owed);
      const where = `${t.project}/${t.pool}${r.model === undefined ? '' : ` model ${r.model}`}`;
      const { concurrency, rate, budget } = r.rule;
      if (concurrency !== undefined) {
        const running = [...this.#running.values()].filter(member).length;
        if (running + 1 > concurrency) return `${where}: ${running} running, cap ${concurrency}`;
      }
      if (rate !== undefined) {
        const minute = since(now - RATE_MS + 1);
        const tokens = minute.reduce((n, c) => n + c.tokens, 0);
        if (rate.tasksPerMinute !== undefined && minute.length + 1 > rate.tasksPerMinute)
          return `${where}: ${minute.length} attempts in the last minute, rate ${rate.tasksPerMinute}`;
        if (rate.tokensPerMinute !== undefined && tokens + need.tokens > rate.tokensPerMinute)
          return `${where}: ${tokens} + ${need.tokens} tokens in a minute, rate ${rate.tokensPerMinute}`;
      }
      if (budget !== undefined) {
        const period = since(windowStart(now, budget.period));
        const usd = period.reduce((n, c) => n + c.usd, 0);
        const tokens = period.reduce((n, c) => n + c.tokens, 0);
        if (budget.usd !== undefined && usd + need.usd > budget.usd + EPSILON)
          return `${where}: $${usd.toFixed(4)} spent or reserved + $${need.usd.toFixed(4)} over the budget of $${budget.usd}`;
        if (budget.tokens !== undefined && tokens + need.tokens > budget.tokens + EPSILON)
          return `${where}: ${tokens} + ${need.tokens} tokens over the budget of ${budget.tokens}`;
      }
    }
    return undefined;
  }

  /** Why a declared maximum can never fit (a whole budget, a minute's tokens), or nothing. */
  tooLarge(t: LimitSubject): string | undefined {
    const max = t.maxSpend;
    if (max === undefined) return undefined;
    for (const [key, r] of this.#rules) {
      if (!key.startsWith(`${t.pool}/`) || !this.#binds(r, t.project, t.models)) continue;
      const b = r.rule.budget;
      if (max.usd !== undefined && b?.usd !== undefined && max.usd > b.usd) return 'usd budget';
      if (max.tokens !== undefined && b?.tokens !== undefined && max.tokens > b.tokens)
        return 'token budget';
      const perMinute = r.rule.rate?.tokensPerMinute;
      if (max.tokens !== undefined && perMinute !== undefined && max.tokens > perMinute)
        return 'tokens per minute';
    }
    return undefined;
  }

  /** An attempt of `t` starts at stream time `at`: its reservation is charged, stamped then. */
  start(t: LimitSubject, at: number): void {
    const now = Math.max(this.#clock.get(t.pool) ?? 0, at);
    this.#order += 1;
    const c: AuditCharge = {
      task: t.key,
      order: this.#order,
      at: now,
      models: t.models,
      ...this.reservation(t),
      ranOn: undefined,
    };
    const list = this.#charges.get(t.pool) ?? [];
    list.push(c);
    this.#charges.set(t.pool, list);
    this.#running.set(t.key, c);
  }

  /** The running attempt of `taskKey` ends: settled by a report's usage, else charged in full. */
  end(taskKey: string, usage?: Usage): void {
    const c = this.#running.get(taskKey);
    if (c === undefined) return;
    this.#running.delete(taskKey);
    if (usage === undefined) return;
    const model = usage.model ?? (c.models?.length === 1 ? c.models[0] : undefined);
    const priced =
      model === undefined
        ? undefined
        : priceTokens(DEFAULT_PRICE_TABLE, model, usage.tokensIn, usage.tokensOut);
    c.usd = usage.costUsd ?? priced ?? c.usd;
    c.tokens = usage.tokensIn + usage.tokensOut;
    c.ranOn = usage.model;
  }
}
