import type { LimitRule } from '../../events/index.ts';

export type { LimitRule };

/**
 * One attempt's charge against a scope: stamped when the attempt started (a charge belongs to
 * the moment of its assignment, so a period counts every attempt it started, settled or not),
 * holding the reservation until the attempt settles, then what it actually spent.
 */
export interface Charge {
  /** `<task key>#<attempt>`. */
  readonly key: string;
  readonly at: number;
  usd: number;
  tokens: number;
  /** Still a reservation: the attempt has not ended. */
  held: boolean;
}

/** What a scope with limits has spent and holds: its charges within the longest window. */
export interface Ledger {
  /** Oldest first (stamps never decrease: they are the fold's clock). */
  charges: Charge[];
  /** Attempts of the scope running now. */
  running: number;
  /** What reports spent beyond their reservation, in total (see `settle`). */
  overrun: { usd: number; tokens: number };
}

/** The reservation of a running attempt, kept for every assigned task of the pool. */
export interface Hold {
  readonly attempt: number;
  readonly at: number;
  readonly usd: number;
  readonly tokens: number;
  /** Models the task accepts, when it names any: limits of those models bind it too. */
  readonly models?: readonly string[];
}

/** What a task declared about its spend, kept while it lives (only when it declared any). */
export interface Declared {
  readonly usd?: number;
  readonly tokens?: number;
  readonly onLimit?: 'wait' | 'fail';
}

/** A pool's limits: the rules in force, their ledgers, the holds, the fold's clock. */
export interface LimitsState {
  /** Scope key (`scopeKey`) → the rule in force. */
  rules: Record<string, LimitRule>;
  /** Scope key → its ledger; a scope has one exactly while it has a rule. */
  ledgers: Record<string, Ledger>;
  /** Task key → the reservation of its running attempt. */
  holds: Record<string, Hold>;
  /** Task key → what it declared. */
  declared: Record<string, Declared>;
  /** The latest stream time folded: limits are judged at it, never earlier. */
  clock: number;
  /** The pool's capacity across its projects, with their reserved shares (pool-capacity.ts). */
  capacity?: PoolCapacity;
  /** Project → its attempts running now (held), whatever limits are set. */
  running: Record<string, number>;
}

/** The most attempts running at once in the pool, and the slots kept for some projects. */
export interface PoolCapacity {
  readonly capacity: number;
  readonly reserves: Readonly<Record<string, number>>;
}

/** The key of a scope: a project, or a project's tasks that may run on one model. */
export const scopeKey = (project: string, model?: string): string =>
  model === undefined ? project : `${project}|${model}`;

/** The project and model of a scope key. */
export const scopeOf = (key: string): { project: string; model?: string } => {
  const [project = '', model] = key.split('|');
  return model === undefined ? { project } : { project, model };
};

/** The limits of a pool before any event. */
export const initialLimits = (): LimitsState => ({
  rules: {},
  ledgers: {},
  holds: {},
  declared: {},
  clock: 0,
  running: {},
});
