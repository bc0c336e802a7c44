import type { Narrator } from '../narrator.ts';
import type { IsolationReport } from '../verify-isolation.ts';
import type { ClaimFindings } from './cross-tenant-claim.ts';
import type { MultiTenantResult } from './multi-tenant-result.ts';

/** What the run knew when it stopped, for the verdict. */
export interface IsolationRun {
  readonly narrator: Narrator;
  readonly count: number;
  readonly limitMs: number;
  readonly secure: boolean;
  readonly elapsedMs: number;
  readonly found: ClaimFindings;
  /** What already went wrong; the verdict adds its own findings. */
  readonly problems: string[];
}

/** Prints the audit of the stream and its checks, and gives the verdict. */
export const judgeIsolation = (report: IsolationReport, run: IsolationRun): MultiTenantResult => {
  const { out, c, mark, table } = run.narrator;
  const { count, limitMs, elapsedMs, problems } = run;
  const { refusal, refusalSeq, serverRefusal } = run.found;

  out('');
  out(
    c.bold(`Audit: ${report.messages} stored messages read with an ordered consumer, `) +
      c.bold(`folded with the dispatcher core per pool`),
  );
  const rows = [
    ['tenant', 'tasks', 'completed', 'workers', 'tokens', 'cost (USD)'],
    ...report.tenants.map((t) => [
      t.project,
      String(t.tasks),
      String(t.completed),
      String(t.workers),
      t.tokens.toLocaleString('en-US'),
      `$${t.costUsd.toFixed(4)}`,
    ]),
  ];
  table(rows);
  out('');
  const refused = report.refusedClaims['cross_project'] ?? 0;
  out(
    `  ${mark(report.crossTenantAssignments === 0)} cross-tenant assignments: ${report.crossTenantAssignments}`,
  );
  out(
    `  ${mark(report.foreignCompletions === 0)} tasks completed by another tenant's worker: ${report.foreignCompletions}`,
  );
  out(`  ${mark(report.unfinished.length === 0)} tasks not completed: ${report.unfinished.length}`);
  out(`  ${mark(refused > 0)} cross-tenant claims refused and recorded: ${refused}`);
  out(`  ${c.dim(`attempts requeued (lease expired, worker lost): ${report.requeued}`)}`);

  if (report.crossTenantAssignments > 0)
    problems.push(
      `LEAK: ${report.crossTenantAssignments} cross-tenant assignment(s) in the stream`,
    );
  if (report.foreignCompletions > 0)
    problems.push(`LEAK: ${report.foreignCompletions} task(s) completed by another tenant`);
  if (report.unfinished.length > 0)
    problems.push(
      `${report.unfinished.length} task(s) did not complete: ` +
        report.unfinished
          .slice(0, 5)
          .map((t) => `${t.project}/${t.taskId} ${t.status}`)
          .join(', '),
    );
  if (refusal?.reason !== 'cross_project' || refused === 0)
    problems.push('the cross-tenant claim was not refused as cross_project');
  if (run.secure && serverRefusal?.includes('Permissions Violation') !== true)
    problems.push('the server did not refuse the cross-tenant claim');
  if (report.tenants.reduce((n, t) => n + t.tasks, 0) !== count)
    problems.push(
      `the stream holds ${report.tenants.reduce((n, t) => n + t.tasks, 0)} tasks, not ${count}`,
    );
  if (elapsedMs > limitMs) problems.push(`took ${Math.round(elapsedMs)} ms, over ${limitMs} ms`);

  const ok = problems.length === 0;
  out('');
  out(
    ok
      ? `${c.green('PASS')} no task crossed tenants; ${count} of ${count} completed in ${(elapsedMs / 1000).toFixed(1)} s`
      : `${c.red('FAIL')} ${problems.join('; ')}`,
  );
  return { ok, problems, elapsedMs, refusal, refusalSeq, serverRefusal, report };
};
