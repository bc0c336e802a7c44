import type { TailItem } from '../../log/index.ts';
import { Auditor } from '../../projections/audit/index.ts';
import type { Narrator } from '../narrator.ts';
import { verifyIsolation } from '../verify-isolation.ts';
import type { Fate } from './fate.ts';
import { POOLS } from './fleet-spec.ts';
import type { KilledWorker, LoadResult } from './load-result.ts';
import { measureLoad } from './measure-load.ts';
import type { Percentiles } from './percentiles.ts';

/** What the run knew when it stopped, for the audit to judge it by. */
export interface LoadRun {
  readonly narrator: Narrator;
  readonly root: string;
  readonly count: number;
  readonly limitMs: number;
  readonly fates: ReadonlyMap<string, Fate>;
  readonly killed: KilledWorker | undefined;
  /** When the last wave was submitted, in ms since the run started. */
  readonly lastSubmitAt: number;
  readonly hudUrl: string;
  /** What already went wrong; the audit adds its own findings. */
  readonly problems: string[];
  readonly afterRun: (() => Promise<void>) | undefined;
}

/**
 * Folds the stream read back (`items`) per pool and through the independent auditor, prints the
 * figures and the checks, and gives the verdict.
 */
export const auditLoad = async (items: TailItem[], run: LoadRun): Promise<LoadResult> => {
  const { out, elapsed, c, mark, table } = run.narrator;
  const { count, limitMs, killed, problems } = run;
  const report = verifyIsolation(items, POOLS, run.root);
  // The independent auditor (no code shared with the dispatcher's decisions) must find the
  // run's whole history legitimate: what `fleet audit` would say of this stream.
  const auditor = new Auditor();
  for (const { subject, entry } of items)
    auditor.add({ subject, seq: entry.seq, at: entry.at, entry });
  const audited = auditor.report();
  const elapsedMs = elapsed();
  const { ended, lost, meantToFail, latency, throughput, completedCount, spanMs, rerouted } =
    measureLoad(items, report, run.fates, killed);

  out('');
  out(c.bold(`Audit: ${report.messages} stored messages read back and folded per pool`));
  const rows = [
    ['tenant', 'tasks', 'completed', 'not completed', 'workers', 'tokens', 'cost (USD)'],
    ...report.tenants.map((t) => [
      t.project,
      String(t.tasks),
      String(t.completed),
      String(t.tasks - t.completed),
      String(t.workers),
      t.tokens.toLocaleString('en-US'),
      `$${t.costUsd.toFixed(4)}`,
    ]),
  ];
  table(rows);
  out('');
  const ms = (p: Percentiles) =>
    `p50 ${p.p50} ms, p95 ${p.p95} ms, p99 ${p.p99} ms, max ${p.max} ms`;
  out(
    `  throughput: ${throughput.toFixed(0)} tasks/s completed ` +
      `(${completedCount} in ${(spanMs / 1000).toFixed(2)} s; ` +
      `submissions took ${(run.lastSubmitAt / 1000).toFixed(2)} s of the run)`,
  );
  out(`  submit → start:    ${ms(latency.toStart)}`);
  out(`  submit → complete: ${ms(latency.toComplete)}`);
  out(
    `  ended: ${Object.entries(ended)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}; attempts requeued: ${report.requeued}`,
  );
  out('');
  out(
    `  ${mark(report.crossTenantAssignments === 0)} ${report.crossTenantAssignments} cross-tenant assignments`,
  );
  out(
    `  ${mark(report.foreignCompletions === 0)} ${report.foreignCompletions} tasks completed by another tenant's worker`,
  );
  out(`  ${mark(lost.length === 0)} ${lost.length} tasks lost or ended otherwise than meant`);
  out(
    `  ${mark(report.unfinished.length === meantToFail.length)} ${report.unfinished.length} of ` +
      `${meantToFail.length} deliberately failing tasks dead-lettered or failed`,
  );
  out(
    `  ${mark(audited.ok)} ${audited.counts.violations} violations found by the independent ` +
      `audit of ${audited.counts.messages} messages (fleet audit)`,
  );
  const heldCount = killed?.held.length ?? 0;
  out(
    `  ${mark(rerouted > 0)} ${rerouted} of ${heldCount} attempts held by the killed worker ` +
      `ran again elsewhere${rerouted < heldCount ? ' (the rest had reported before it died)' : ''}`,
  );

  if (report.crossTenantAssignments > 0)
    problems.push(`LEAK: ${report.crossTenantAssignments} cross-tenant assignment(s)`);
  if (report.foreignCompletions > 0)
    problems.push(`LEAK: ${report.foreignCompletions} task(s) completed by another tenant`);
  if (!audited.ok)
    problems.push(
      `the audit found ${audited.counts.violations} violation(s): ` +
        audited.violations
          .slice(0, 3)
          .map((v) => `${v.kind} at seq ${v.seqs.join(',')}`)
          .join('; '),
    );
  if (lost.length > 0)
    problems.push(`${lost.length} task(s) lost or ended wrongly: ${lost.slice(0, 5).join(', ')}`);
  const stored = report.tenants.reduce((n, t) => n + t.tasks, 0);
  if (stored !== count) problems.push(`the stream holds ${stored} tasks, not ${count}`);
  if (killed === undefined) problems.push('no worker was killed');
  else if (rerouted === 0)
    problems.push("no attempt of the killed worker's ran again on another worker");
  if (elapsedMs > limitMs) problems.push(`took ${Math.round(elapsedMs)} ms, over ${limitMs} ms`);

  const ok = problems.length === 0;
  out('');
  out(
    ok
      ? `${c.green('PASS')} 0 cross-tenant assignments; ${count} tasks ended as meant in ${(elapsedMs / 1000).toFixed(1)} s`
      : `${c.red('FAIL')} ${problems.join('; ')}`,
  );
  await run.afterRun?.();
  return {
    ok,
    problems,
    elapsedMs,
    submitted: count,
    ended,
    throughput,
    latency,
    killed,
    rerouted,
    hudUrl: run.hudUrl,
    report,
    audit: audited,
  };
};
