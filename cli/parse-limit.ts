import { InvalidInputError } from '../client/invalid-input-error.ts';
import { DEFAULT_PRICE_TABLE, isName, isTimeZone, LimitBounds, LimitSet } from '../events/index.ts';
import type { EventOf, LimitPeriod } from '../events/index.ts';
import { parseDuration } from './parse-duration.ts';

/** The options of `fleet limits set`, as typed. */
export interface LimitOptions {
  /** The project; a pool capacity may leave it out (parse-capacity.ts). */
  project?: string | undefined;
  pool: string;
  model?: string;
  budgetUsd?: string;
  budgetTokens?: string;
  period?: string;
  timeZone?: string;
  tasksPerMinute?: string;
  tokensPerMinute?: string;
  concurrency?: string;
  estimateUsd?: string;
  estimateTokens?: string;
  /** The pool's capacity across its projects: set on its own (parse-capacity.ts). */
  capacity?: string;
  /** `project=slots` shares of the capacity. */
  reserve?: string[];
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** A positive amount no larger than `max` (a whole number when `whole`), or a typed error. */
const amount = (
  text: string | undefined,
  option: string,
  o: { max: number; whole?: boolean; zero?: boolean },
): number | undefined => {
  if (text === undefined) return undefined;
  const n = NUMBER.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isFinite(n))
    throw new InvalidInputError(option, `${option} "${text}" is not a number`);
  if (n < 0 || (n === 0 && o.zero !== true))
    throw new InvalidInputError(option, `${option} ${text} must be more than 0`);
  if (o.whole === true && !Number.isInteger(n))
    throw new InvalidInputError(option, `${option} ${text} must be a whole number`);
  if (n > o.max)
    throw new InvalidInputError(
      option,
      `${option} ${text} is absurd: at most ${o.max.toLocaleString('en-US')}`,
    );
  return n;
};

/** `month` or `day` (calendar, in `--time-zone`), else a rolling window such as `24h`, `7d`. */
const period = (text: string, zone: string): LimitPeriod => {
  if (!isTimeZone(zone))
    throw new InvalidInputError(
      '--time-zone',
      `--time-zone "${zone}" is not an IANA time zone (UTC, Europe/Paris)`,
    );
  if (text === 'month' || text === 'day') return { kind: text, timeZone: zone };
  let ms: number;
  try {
    ms = parseDuration(text, '--period');
  } catch {
    throw new InvalidInputError(
      '--period',
      `--period "${text}" does not parse: write month, day, or a rolling window such as 24h or 7d`,
    );
  }
  if (ms < LimitBounds.minRollingMs || ms > LimitBounds.maxRollingMs)
    throw new InvalidInputError('--period', `--period ${text} must be between 1m and 366d`);
  return { kind: 'rolling', ms };
};

/**
 * The `limit.set` that `fleet limits set` asks for, or an `InvalidInputError` saying what is
 * wrong: a negative or absurd value, an unknown model, a period that does not parse.
 */
export const parseLimit = (o: LimitOptions, at: number): EventOf<'limit.set'> => {
  if (o.reserve !== undefined && o.reserve.length > 0)
    throw new InvalidInputError(
      '--reserve',
      '--reserve is a share of a pool capacity: add --capacity',
    );
  if (o.project === undefined)
    throw new InvalidInputError('--project', 'a project’s limits need --project');
  if (!isName(o.project))
    throw new InvalidInputError('--project', `"${o.project}" is not a project name`);
  if (!isName(o.pool)) throw new InvalidInputError('--pool', `"${o.pool}" is not a pool name`);
  if (o.model !== undefined && !Object.hasOwn(DEFAULT_PRICE_TABLE, o.model))
    throw new InvalidInputError(
      '--model',
      `unknown model "${o.model}": a limit's model must have a price (${Object.keys(DEFAULT_PRICE_TABLE).join(', ')})`,
    );
  const usd = amount(o.budgetUsd, '--budget-usd', { max: LimitBounds.maxUsd });
  const tokens = amount(o.budgetTokens, '--budget-tokens', {
    max: LimitBounds.maxTokens,
    whole: true,
  });
  const tasksPerMinute = amount(o.tasksPerMinute, '--tasks-per-minute', {
    max: LimitBounds.maxTasksPerMinute,
    whole: true,
  });
  const tokensPerMinute = amount(o.tokensPerMinute, '--tokens-per-minute', {
    max: LimitBounds.maxTokens,
    whole: true,
  });
  const concurrency = amount(o.concurrency, '--concurrency', {
    max: LimitBounds.maxConcurrency,
    whole: true,
  });
  const estimateUsd = amount(o.estimateUsd, '--estimate-usd', {
    max: LimitBounds.maxUsd,
    zero: true,
  });
  const estimateTokens = amount(o.estimateTokens, '--estimate-tokens', {
    max: LimitBounds.maxTokens,
    whole: true,
    zero: true,
  });
  const budgeted = usd !== undefined || tokens !== undefined;
  if (!budgeted && o.period !== undefined)
    throw new InvalidInputError('--period', '--period needs --budget-usd or --budget-tokens');
  const data = {
    project: o.project,
    pool: o.pool,
    ...(o.model === undefined ? {} : { model: o.model }),
    ...(budgeted
      ? {
          budget: {
            ...(usd === undefined ? {} : { usd }),
            ...(tokens === undefined ? {} : { tokens }),
            period: period(o.period ?? 'month', o.timeZone ?? 'UTC'),
          },
        }
      : {}),
    ...(tasksPerMinute === undefined && tokensPerMinute === undefined
      ? {}
      : {
          rate: {
            ...(tasksPerMinute === undefined ? {} : { tasksPerMinute }),
            ...(tokensPerMinute === undefined ? {} : { tokensPerMinute }),
          },
        }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(estimateUsd === undefined && estimateTokens === undefined
      ? {}
      : {
          estimate: {
            ...(estimateUsd === undefined ? {} : { usd: estimateUsd }),
            ...(estimateTokens === undefined ? {} : { tokens: estimateTokens }),
          },
        }),
  };
  const parsed = LimitSet.safeParse({ type: 'limit.set', data, meta: { at } });
  if (!parsed.success)
    throw new InvalidInputError(
      'limits',
      parsed.error.issues[0]?.message ??
        'a limit needs --budget-usd, --budget-tokens, a rate, --concurrency or an estimate',
    );
  return parsed.data;
};

/** What was asked, in words, for the refusal recorded on the stream (capped, no secrets here). */
export const limitInput = (o: LimitOptions): string =>
  Object.entries(o)
    .flatMap(([k, v]) =>
      typeof v === 'string'
        ? [[k, v] as const]
        : Array.isArray(v)
          ? v.filter((x) => typeof x === 'string').map((x) => [k, x] as const)
          : [],
    )
    .map(([k, v]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${v}`)
    .join(' ')
    .slice(0, 2048);
