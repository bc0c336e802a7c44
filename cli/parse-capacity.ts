import { InvalidInputError } from '../client/invalid-input-error.ts';
import { isName, LimitBounds, LimitSet } from '../events/index.ts';
import type { EventOf } from '../events/index.ts';
import type { LimitOptions } from './parse-limit.ts';

/** What `fleet limits set --capacity` takes. */
export interface CapacityOptions {
  project?: string | undefined;
  pool: string;
  capacity: string;
  reserve?: readonly string[] | undefined;
}

const WHOLE = /^\d+$/;

/** A whole number of slots from 1 to the bound, or a typed error naming the option. */
const slots = (text: string, option: string): number => {
  const n = WHOLE.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n))
    throw new InvalidInputError(option, `${option} "${text}" is not a whole number`);
  if (n < 1) throw new InvalidInputError(option, `${option} ${text} must be more than 0`);
  if (n > LimitBounds.maxConcurrency)
    throw new InvalidInputError(
      option,
      `${option} ${text} is absurd: at most ${LimitBounds.maxConcurrency.toLocaleString('en-US')}`,
    );
  return n;
};

/** `project=slots` pairs, each project once. */
const reserves = (pairs: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    const project = at < 0 ? pair : pair.slice(0, at);
    if (at < 0 || !isName(project))
      throw new InvalidInputError('--reserve', `--reserve "${pair}" is not <project>=<slots>`);
    if (Object.hasOwn(out, project))
      throw new InvalidInputError('--reserve', `--reserve names ${project} twice`);
    out[project] = slots(pair.slice(at + 1), `--reserve ${project}`);
  }
  if (Object.keys(out).length > LimitBounds.maxReserves)
    throw new InvalidInputError('--reserve', `at most ${LimitBounds.maxReserves} reserves`);
  return out;
};

/**
 * The subject a pool capacity travels on needs a project: `--project`, else the first reserved
 * one. The capacity binds the whole pool either way.
 */
export const capacityCarrier = (o: CapacityOptions): string | undefined =>
  o.project ?? o.reserve?.[0]?.split('=')[0];

/**
 * The `limit.set` of a pool's capacity that `fleet limits set --capacity` asks for, or an
 * `InvalidInputError`: a number that is not one, negative or absurd, reserves summing to more
 * than the capacity.
 */
export const parseCapacity = (o: CapacityOptions, at: number): EventOf<'limit.set'> => {
  if (!isName(o.pool)) throw new InvalidInputError('--pool', `"${o.pool}" is not a pool name`);
  const capacity = slots(o.capacity, '--capacity');
  const reserved = reserves(o.reserve ?? []);
  const sum = Object.values(reserved).reduce((n, v) => n + v, 0);
  if (sum > capacity)
    throw new InvalidInputError(
      '--reserve',
      `the reserves sum to ${sum}, more than the pool capacity of ${capacity}`,
    );
  const project = capacityCarrier(o);
  if (project === undefined || !isName(project))
    throw new InvalidInputError(
      '--project',
      'a pool capacity is stored on a project’s limits subject: name one with --project or --reserve',
    );
  const parsed = LimitSet.safeParse({
    type: 'limit.set',
    data: {
      project,
      pool: o.pool,
      capacity,
      ...(sum === 0 ? {} : { reserves: reserved }),
    },
    meta: { at },
  });
  if (!parsed.success)
    throw new InvalidInputError('limits', parsed.error.issues[0]?.message ?? 'invalid capacity');
  return parsed.data;
};

/** A project's limit options that a pool capacity leaves out: it is set on its own. */
const PROJECT_ONLY = [
  ['model', '--model'],
  ['budgetUsd', '--budget-usd'],
  ['budgetTokens', '--budget-tokens'],
  ['tasksPerMinute', '--tasks-per-minute'],
  ['tokensPerMinute', '--tokens-per-minute'],
  ['concurrency', '--concurrency'],
  ['estimateUsd', '--estimate-usd'],
  ['estimateTokens', '--estimate-tokens'],
] as const;

/** The `limit.set` of `fleet limits set --capacity`, refusing a project's limit mixed in. */
export const capacityLimit = (o: LimitOptions, capacity: string, at: number) => {
  const mixed = PROJECT_ONLY.find(([k]) => o[k] !== undefined);
  if (mixed !== undefined)
    throw new InvalidInputError(
      mixed[1],
      `--capacity is the pool's and is set on its own: set ${mixed[1]} in another fleet limits set`,
    );
  return parseCapacity({ ...o, capacity }, at);
};
