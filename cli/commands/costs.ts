import type { Command } from 'commander';
import { InvalidInputError } from '../../client/invalid-input-error.ts';
import type { ProjectId } from '../../events/index.ts';
import { isName } from '../../events/names.ts';
import type { CostFigures, CostRow, Scope } from '../../projections/index.ts';
import { boundedRead, DEFAULT_READ_WAIT, READ_WAIT_HELP } from '../bounded-read.ts';
import type { CliContext } from '../cli-context.ts';
import { formatTable } from '../format-table.ts';
import { parseDuration } from '../parse-duration.ts';

interface CostsOptions {
  project?: string;
  since?: string;
  json?: boolean;
  prices?: string;
  fresh?: boolean;
  wait: string;
}

/** Hourly figures cover this much; a longer `--since` is all of them. */
const HOURLY_SPAN_MS = 31 * 24 * 3_600_000;

/** The scope a `--project` option asks for. */
export const scopeOf = (project: string | undefined): Scope => {
  if (project === undefined) return { kind: 'operator' };
  if (!isName(project))
    throw new InvalidInputError('--project', `"${project}" is not a project name`);
  return { kind: 'project', project: project as ProjectId };
};

const usd = (x: number) => `$${x.toFixed(x !== 0 && Math.abs(x) < 0.01 ? 6 : 2)}`;
const int = (x: number) => x.toLocaleString('en-US');
const cells = (f: CostFigures) => [
  int(f.completed + f.failed),
  int(f.failures),
  int(f.tokensIn),
  int(f.tokensOut),
  usd(f.costUsd),
  f.computeSeconds.toFixed(1),
];

/** `fleet costs`: the cost rollup per project, pool and model. */
export const registerCosts = (program: Command, ctx: CliContext): void => {
  program
    .command('costs')
    .description(
      'per-tenant usage and cost (per project, pool and model), folded from the log ' +
        '(resuming from the projections checkpoint)',
    )
    .option('--project <project>', 'only this project')
    .option('--since <duration>', 'only the last hours, e.g. 24h (whole UTC hours; at most 31d)')
    .option(
      '--prices <file>',
      'price table JSON: {"model": {"inPerMillion": n, "outPerMillion": n}}',
    )
    .option('--fresh', 'fold the whole log again instead of resuming from the checkpoint')
    .option('--wait <duration>', READ_WAIT_HELP, DEFAULT_READ_WAIT)
    .option('--json', 'print JSON')
    .action(async (o: CostsOptions, cmd: Command) => {
      const { readerCheckpoints } = await import('../reader-checkpoints.ts');
      const { DEFAULT_PRICE_TABLE, loadPriceTable, rollUpHours, startProjections, sumCosts } =
        await import('../../projections/index.ts');
      const scope = scopeOf(o.project);
      const sinceMs = o.since === undefined ? undefined : parseDuration(o.since, '--since');
      const priceTable =
        o.prices === undefined ? DEFAULT_PRICE_TABLE : await loadPriceTable(o.prices);
      const snapshot = await ctx.withLog(cmd, async (log) => {
        const projections = await startProjections({
          log,
          priceTable,
          ...boundedRead(ctx, o.wait),
          ...(o.fresh === true ? { checkpoints: false } : await readerCheckpoints(log)),
        });
        try {
          return projections.snapshot(scope);
        } finally {
          await projections.stop();
        }
      });
      const from =
        sinceMs === undefined ? undefined : snapshot.at - Math.min(sinceMs, HOURLY_SPAN_MS);
      const rows: readonly CostRow[] =
        from === undefined ? snapshot.costs.rows : rollUpHours(snapshot.costs.hourly, from);
      const projects = [...new Set(rows.map((r) => r.project))].sort();
      const byProject = projects.map((project) => ({
        project,
        ...sumCosts(rows.filter((r) => r.project === project)),
      }));
      const total = sumCosts(rows);
      // Spend against budget, and its burn rate, per project (limits: `fleet limits`).
      const budgets = snapshot.fleet.limits.filter(
        (l) => l.kind === 'budget_usd' || l.kind === 'budget_tokens',
      );
      if (o.json === true) {
        ctx.print(
          JSON.stringify(
            {
              position: snapshot.position,
              at: new Date(snapshot.at).toISOString(),
              since:
                from === undefined
                  ? null
                  : new Date(Math.floor(from / 3_600_000) * 3_600_000).toISOString(),
              project: o.project ?? null,
              total,
              byProject,
              rows,
              budgets,
            },
            null,
            2,
          ),
        );
        return;
      }
      if (rows.length === 0) {
        ctx.print('no usage reported');
        return;
      }
      const header = [
        'PROJECT',
        'POOL',
        'MODEL',
        'TASKS',
        'FAILURES',
        'TOKENS IN',
        'TOKENS OUT',
        'COST',
        'COMPUTE S',
      ];
      const table = [
        ...rows.map((r) => [r.project, r.pool, r.model, ...cells(r)]),
        ...(projects.length > 1 ? byProject.map((p) => [p.project, '*', '*', ...cells(p)]) : []),
        ['TOTAL', '', '', ...cells(total)],
      ];
      for (const line of formatTable(header, table)) ctx.print(line);
      if (total.unpricedTokens > 0)
        ctx.print(
          `(${int(total.unpricedTokens)} tokens of models without a price are not in COST)`,
        );
      for (const b of budgets) {
        const burn = b.burnPerHour ?? 0;
        const rate =
          b.kind === 'budget_usd' ? `${usd(burn)}/h` : `${int(Math.round(burn))} tokens/h`;
        ctx.print(`${b.project}/${b.pool} ${b.text}, burning ${rate}`);
      }
    });
};
