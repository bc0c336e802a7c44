import type { LimitPeriod } from '../../events/index.ts';
import { wallText } from './calendar.ts';
import type { LimitBlock } from './limit-block.ts';
import { scopeOf } from './limits-state.ts';

const usd = (n: number): string => `$${n.toFixed(2)}`;
const count = (n: number): string => Math.round(n).toLocaleString('en-US');

const periodText = (p: LimitPeriod): string => {
  switch (p.kind) {
    case 'day':
      return 'today';
    case 'month':
      return 'this month';
    case 'rolling':
      return `in the last ${durationText(p.ms)}`;
    default: {
      const never: never = p;
      return never;
    }
  }
};

/** A duration in the largest whole unit that fits (`4 s`, `3 min`, `24 h`, `7 d`). */
export const durationText = (ms: number): string => {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.ceil(s / 60)} min`;
  if (s < 2 * 86_400) return `${Math.ceil(s / 3600)} h`;
  return `${Math.ceil(s / 86_400)} d`;
};

/** When the budget frees, in words: a calendar reset on its own clock, else a delay. */
const freesText = (b: LimitBlock): string => {
  if (b.freesAt === undefined) return '';
  const p = b.period;
  if (p !== undefined && p.kind !== 'rolling')
    return `, resets ${wallText(b.freesAt, p.timeZone)} ${p.timeZone}`;
  return `, frees in ${durationText(b.freesAt - b.at)}`;
};

/**
 * Why a limit holds a task back, in words, for every surface that says so: "budget: $41.90 of
 * $42.00 used this month, resets 2027-01-01 00:00 UTC"; "rate: 118 of 120 tasks this minute,
 * next slot in 4 s".
 */
export const limitText = (b: LimitBlock): string => {
  const { model } = scopeOf(b.scope);
  const of = model === undefined ? '' : ` of ${model}`;
  switch (b.kind) {
    case 'budget_usd':
    case 'budget_tokens': {
      const fmt = b.kind === 'budget_usd' ? usd : (n: number) => `${count(n)} tokens`;
      if (b.never)
        return `budget${of}: one attempt reserves ${fmt(b.need)}, more than the whole ${fmt(b.limit)}`;
      const p = b.period === undefined ? '' : ` ${periodText(b.period)}`;
      return `budget${of}: ${fmt(b.used)} of ${fmt(b.limit)} used${p}${freesText(b)}`;
    }
    case 'tasks_rate':
    case 'tokens_rate': {
      const unit = b.kind === 'tasks_rate' ? 'tasks' : 'tokens';
      if (b.never)
        return `rate${of}: one attempt reserves ${count(b.need)} ${unit}, more than ${count(b.limit)} a minute`;
      const slot =
        b.freesAt === undefined ? '' : `, next slot in ${durationText(b.freesAt - b.at)}`;
      return `rate${of}: ${count(b.used)} of ${count(b.limit)} ${unit} this minute${slot}`;
    }
    case 'concurrency':
      return `concurrency${of}: ${count(b.used)} of ${count(b.limit)} running`;
    default: {
      const never: never = b.kind;
      return never;
    }
  }
};
