import { z } from 'zod';
import { defineEvent } from './define-event.ts';
import { ModelName, PoolId, ProjectId, TaskId } from './ids.ts';
import { DEFAULT_PRICE_TABLE } from './price-table.ts';

/**
 * Bounds of a limit: anything outside them is a mistake (a negative budget, a cap of a billion
 * running tasks), refused by the codec and by `fleet limits set`.
 */
export const LimitBounds = {
  maxUsd: 10_000_000,
  maxTokens: 1_000_000_000_000,
  maxTasksPerMinute: 1_000_000,
  maxConcurrency: 100_000,
  maxReserves: 64,
  minRollingMs: 60_000,
  maxRollingMs: 366 * 24 * 3600_000,
} as const;

/**
 * What an attempt reserves when neither its task (`maxSpend`) nor a limit's `estimate` says:
 * 4,096 tokens, priced at the dearest rate of the models it accepts (events/price-table.ts),
 * or $0.01 for a task that names no priced model.
 */
export const DEFAULT_ESTIMATE = { tokens: 4096, usd: 0.01 } as const;

/** True when `zone` is an IANA time zone this runtime knows (`UTC`, `Europe/Paris`). */
export const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, 'an IANA time zone such as UTC or Europe/Paris');

/**
 * The period a budget counts over: a calendar day or month in a time zone (it resets at local
 * midnight), or a window of `ms` rolling behind the present.
 */
export const LimitPeriod = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('day'), timeZone: TimeZone }).strict(),
  z.object({ kind: z.literal('month'), timeZone: TimeZone }).strict(),
  z
    .object({
      kind: z.literal('rolling'),
      ms: z.number().int().min(LimitBounds.minRollingMs).max(LimitBounds.maxRollingMs),
    })
    .strict(),
]);
export type LimitPeriod = z.infer<typeof LimitPeriod>;

const Usd = z.number().positive().max(LimitBounds.maxUsd);
const Tokens = z.number().int().positive().max(LimitBounds.maxTokens);

/** A spend budget per period, in US dollars and/or tokens (both hold when both are given). */
export const LimitBudget = z
  .object({ usd: Usd.optional(), tokens: Tokens.optional(), period: LimitPeriod })
  .strict()
  .refine((b) => b.usd !== undefined || b.tokens !== undefined, 'a budget needs usd or tokens');
export type LimitBudget = z.infer<typeof LimitBudget>;

/** A rate limit over the last minute: attempts started and/or tokens reserved. */
export const LimitRate = z
  .object({
    tasksPerMinute: z.number().int().positive().max(LimitBounds.maxTasksPerMinute).optional(),
    tokensPerMinute: Tokens.optional(),
  })
  .strict()
  .refine(
    (r) => r.tasksPerMinute !== undefined || r.tokensPerMinute !== undefined,
    'a rate needs tasksPerMinute or tokensPerMinute',
  );
export type LimitRate = z.infer<typeof LimitRate>;

/** What an attempt of a task that declares no maximum reserves (see docs/operations.md). */
export const LimitEstimate = z
  .object({
    usd: z.number().nonnegative().max(LimitBounds.maxUsd).optional(),
    tokens: z.number().int().nonnegative().max(LimitBounds.maxTokens).optional(),
  })
  .strict();
export type LimitEstimate = z.infer<typeof LimitEstimate>;

/**
 * Whom a limit binds: the tasks of a project in a pool, or only those that may run on `model`.
 * A model of a limit must have a price (events/price-table.ts), so its spend can be counted.
 */
const Scope = {
  project: ProjectId,
  pool: PoolId,
  model: ModelName.refine(
    (m) => Object.hasOwn(DEFAULT_PRICE_TABLE, m),
    `a model of the price table (${Object.keys(DEFAULT_PRICE_TABLE).join(', ')})`,
  ).optional(),
};

/**
 * An operator sets the limits of a scope, replacing whatever was in force there. Written on
 * `fleet.<project>.<pool>.limits`; the pool's dispatcher folds it, so a replay knows the limit
 * in force at every position.
 */
const LimitFields = {
  budget: LimitBudget.optional(),
  rate: LimitRate.optional(),
  /** Most attempts of the scope running at once. */
  concurrency: z.number().int().positive().max(LimitBounds.maxConcurrency).optional(),
  estimate: LimitEstimate.optional(),
};

/** The limits of one scope as the folds keep them: `limit.set` without its project and pool. */
export const LimitRule = z.object({ model: Scope.model, ...LimitFields }).strict();
export type LimitRule = z.infer<typeof LimitRule>;

/**
 * The pool's capacity: the most attempts running at once across all its projects (a shared
 * model endpoint, a GPU budget), with shares reserved for some projects. It binds the pool, not
 * the project of the subject it travels on (operators' limits subjects, `fleet limits set
 * --capacity`), and replaces any capacity in force.
 */
const PoolCapacityFields = {
  capacity: z.number().int().positive().max(LimitBounds.maxConcurrency).optional(),
  /** Project → slots of the capacity kept for it while it has work to start. */
  reserves: z
    .record(ProjectId, z.number().int().positive().max(LimitBounds.maxConcurrency))
    .refine((r) => Object.keys(r).length <= LimitBounds.maxReserves, 'at most 64 reserves')
    .optional(),
};
const reserved = (r: Record<string, number> | undefined): number =>
  Object.values(r ?? {}).reduce((n, v) => n + v, 0);

export const LimitSet = defineEvent(
  'limit.set',
  z
    .object({ ...Scope, ...LimitFields, ...PoolCapacityFields })
    .strict()
    .refine(
      (l) =>
        l.budget !== undefined ||
        l.rate !== undefined ||
        l.concurrency !== undefined ||
        l.estimate !== undefined ||
        l.capacity !== undefined,
      'a limit needs a budget, a rate, a concurrency cap, an estimate or a pool capacity',
    )
    .refine(
      (l) =>
        l.capacity === undefined ||
        (l.model === undefined &&
          l.budget === undefined &&
          l.rate === undefined &&
          l.concurrency === undefined &&
          l.estimate === undefined),
      'a pool capacity is set on its own, without a model, budget, rate, cap or estimate',
    )
    .refine((l) => l.reserves === undefined || l.capacity !== undefined, 'reserves need a capacity')
    .refine(
      (l) => reserved(l.reserves) <= (l.capacity ?? 0),
      'the reserves sum to more than the pool capacity',
    ),
);
export type LimitSet = z.infer<typeof LimitSet>;

/** An operator removes the limits of a scope. */
export const LimitCleared = defineEvent(
  'limit.cleared',
  z
    .object({
      ...Scope,
      /** Lifts the pool's capacity and reserves instead of the project's limits. */
      capacity: z.literal(true).optional(),
    })
    .strict(),
);
export type LimitCleared = z.infer<typeof LimitCleared>;

/**
 * An operator's limit that was refused (a negative budget, an unknown model, a period that does
 * not parse): recorded so the log says who tried what, though it changes nothing.
 */
export const LimitRefused = defineEvent(
  'limit.refused',
  z
    .object({
      project: ProjectId,
      pool: PoolId,
      /** What was asked, as given (capped). */
      input: z.string().max(2048),
      reason: z.string().min(1).max(512),
    })
    .strict(),
);
export type LimitRefused = z.infer<typeof LimitRefused>;

/**
 * The dispatcher ends a queued task that asked to fail fast (`onLimit: "fail"`) rather than wait
 * on a limit. Written on `.dispatch`; the fold checks that the limit did bind at its position.
 */
export const TaskOverLimit = defineEvent(
  'task.over_limit',
  z
    .object({
      taskId: TaskId,
      project: ProjectId,
      pool: PoolId,
      /** The limit, in words. */
      reason: z.string().min(1).max(512),
    })
    .strict(),
);
export type TaskOverLimit = z.infer<typeof TaskOverLimit>;
