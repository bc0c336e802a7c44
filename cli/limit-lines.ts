import type { LimitSet } from '../events/index.ts';
import type { EventLog } from '../log/index.ts';
import { readLog } from '../projections/audit/index.ts';

type Limit = LimitSet['data'];

/** One limit in force, and the sequence that set it. */
export interface LimitRow {
  readonly seq: number;
  readonly limit: Limit;
}

const period = (l: Limit): string => {
  const p = l.budget?.period;
  if (p === undefined) return '';
  if (p.kind === 'rolling') return ` per ${p.ms / 3_600_000} h rolling`;
  return ` per ${p.kind} (${p.timeZone})`;
};

/** A limit in one line: `acme/gpu: budget $42.00 per month (UTC); rate 120 tasks/min; …`. */
export const describeLimit = (l: Limit): string => {
  if (l.capacity !== undefined) {
    const shares = Object.entries(l.reserves ?? {}).map(([p, n]) => `${p} ${n}`);
    return `pool ${l.pool}: capacity ${l.capacity} running${shares.length === 0 ? '' : `; reserved ${shares.join(', ')}`}`;
  }
  const parts: string[] = [];
  const b = l.budget;
  if (b !== undefined) {
    const amounts = [
      ...(b.usd === undefined ? [] : [`$${b.usd.toFixed(2)}`]),
      ...(b.tokens === undefined ? [] : [`${b.tokens.toLocaleString('en-US')} tokens`]),
    ];
    parts.push(`budget ${amounts.join(' and ')}${period(l)}`);
  }
  if (l.rate?.tasksPerMinute !== undefined) parts.push(`rate ${l.rate.tasksPerMinute} tasks/min`);
  if (l.rate?.tokensPerMinute !== undefined)
    parts.push(`rate ${l.rate.tokensPerMinute.toLocaleString('en-US')} tokens/min`);
  if (l.concurrency !== undefined) parts.push(`concurrency ${l.concurrency}`);
  if (l.estimate !== undefined)
    parts.push(
      `estimate ${[
        ...(l.estimate.usd === undefined ? [] : [`$${l.estimate.usd}`]),
        ...(l.estimate.tokens === undefined ? [] : [`${l.estimate.tokens} tokens`]),
      ].join(' ')}`,
    );
  return `${l.project}/${l.pool}${l.model === undefined ? '' : ` model ${l.model}`}: ${parts.join('; ')}`;
};

/** The limits in force at the end of the log, folded from its limit events. */
export const readLimits = async (
  log: EventLog,
  project?: string,
  pool?: string,
): Promise<LimitRow[]> => {
  const inForce = new Map<string, LimitRow>();
  await readLog(
    log,
    (item) => {
      if (!('events' in item.entry)) return undefined;
      for (const e of item.entry.events) {
        if (e.type !== 'limit.set' && e.type !== 'limit.cleared') continue;
        const d = e.data;
        // A pool's capacity is of every project of the pool, whichever subject carried it.
        const pooled = d.capacity !== undefined;
        if (
          (project !== undefined && !pooled && d.project !== project) ||
          (pool !== undefined && d.pool !== pool)
        )
          continue;
        const key = pooled ? `${d.pool}//capacity` : `${d.project}/${d.pool}/${d.model ?? ''}`;
        if (e.type === 'limit.cleared') inForce.delete(key);
        else inForce.set(key, { seq: item.seq, limit: e.data });
      }
      return undefined;
    },
    { filter: log.subjects.allLimits() },
  );
  return [...inForce.values()].sort((a, b) => a.seq - b.seq);
};
