import type { TailItem } from '../../log/index.ts';
import type { IsolationReport } from '../verify-isolation.ts';
import type { Fate } from './fate.ts';
import type { KilledWorker } from './load-result.ts';
import { percentiles } from './percentiles.ts';
import { timings } from './timings.ts';

/**
 * What the stream says of the run, beyond isolation: how tasks ended against their fates,
 * latencies, throughput, and whether the killed worker's attempts ran elsewhere.
 */
export const measureLoad = (
  items: readonly TailItem[],
  report: IsolationReport,
  fates: ReadonlyMap<string, Fate>,
  killed: KilledWorker | undefined,
) => {
  // Every task ends as its fate says: completed, or dead-lettered or failed if meant to.
  const ended: Record<string, number> = {};
  for (const t of report.tenants) ended['completed'] = (ended['completed'] ?? 0) + t.completed;
  const lost: string[] = [];
  for (const u of report.unfinished) {
    ended[u.status] = (ended[u.status] ?? 0) + 1;
    const meant = fates.get(`${u.project}/${u.taskId}`);
    const ok =
      (meant === 'poison' && u.status === 'dead_lettered') ||
      (meant === 'bad_input' && u.status === 'failed');
    if (!ok) lost.push(`${u.project}/${u.taskId} ${u.status} (meant ${meant ?? 'unknown'})`);
  }
  const meantToFail = [...fates.values()].filter((f) => f === 'poison' || f === 'bad_input');
  const { submitted, started: firstStart, completed, assigned } = timings(items);
  const toStart: number[] = [];
  const toComplete: number[] = [];
  for (const [key, at] of submitted) {
    const s = firstStart.get(key);
    const done = completed.get(key);
    if (s !== undefined) toStart.push(s - at);
    if (done !== undefined) toComplete.push(done.at - at);
  }
  const firstSubmit = Math.min(...submitted.values());
  const lastCompletion = Math.max(...[...completed.values()].map((d) => d.at));
  const throughput = completed.size / Math.max(0.001, (lastCompletion - firstSubmit) / 1000);
  // Attempts the killed worker held that were given to another worker afterwards (the others
  // it had reported just before it died).
  const victimId = killed?.workerId;
  const rerouted =
    killed?.held.filter((h) =>
      (assigned.get(h.key) ?? []).some((a) => a.workerId !== victimId && a.attempt > h.attempt),
    ).length ?? 0;
  const latency = { toStart: percentiles(toStart), toComplete: percentiles(toComplete) };
  return {
    ended,
    lost,
    meantToFail,
    latency,
    throughput,
    completedCount: completed.size,
    /** From the first submission to the last completion. */
    spanMs: lastCompletion - firstSubmit,
    rerouted,
  };
};
