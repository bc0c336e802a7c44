import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import type { LimitOptions } from '../parse-limit.ts';

interface ShowOptions {
  project?: string;
  pool?: string;
  json?: boolean;
}

interface ClearOptions {
  project?: string;
  pool: string;
  model?: string;
  capacity?: boolean;
}

/**
 * `fleet limits set|show|clear`: an operator's budgets, rates and concurrency caps of a project
 * in a pool (optionally of one model), stored as events on `<root>.<project>.<pool>.limits` that
 * the pool's dispatcher folds. A limit that does not parse is refused here with a clear error,
 * and the refusal is recorded on the stream (`limit.refused`) when its project and pool are
 * names.
 */
export const registerLimits = (program: Command, ctx: CliContext): void => {
  const limits = program
    .command('limits')
    .description('budgets, rate limits and concurrency caps per project (and model) in a pool');
  limits
    .command('set')
    .description(
      'put limits in force for a project in a pool (replacing its earlier ones): tasks over ' +
        'them wait, with the reason on fleet status, submit --wait, fleet top and the HUD',
    )
    .option('--project <project>', 'the project (tenant); a pool capacity may leave it out')
    .requiredOption('--pool <pool>', 'the pool')
    .option('--model <model>', 'only tasks that may run on this model (of the price table)')
    .option('--budget-usd <usd>', 'spend budget in US dollars per period')
    .option('--budget-tokens <n>', 'spend budget in tokens per period')
    .option(
      '--period <period>',
      'month or day (calendar, reset at local midnight), or a rolling window such as 24h',
      'month',
    )
    .option('--time-zone <zone>', 'IANA time zone of a calendar period', 'UTC')
    .option('--tasks-per-minute <n>', 'attempts started in any minute')
    .option('--tokens-per-minute <n>', 'tokens reserved in any minute')
    .option('--concurrency <n>', 'attempts running at once')
    .option('--estimate-usd <usd>', 'what an attempt that declares no maxSpend reserves, in USD')
    .option(
      '--estimate-tokens <n>',
      'what an attempt that declares no maxSpend reserves, in tokens',
    )
    .option(
      '--capacity <n>',
      'the pool capacity: attempts running at once across all projects of the pool (set on its own)',
    )
    .option(
      '--reserve <project=n>',
      'slots of the capacity kept for a project while it has work to start (repeatable)',
      (v: string, all: string[] | undefined) => [...(all ?? []), v],
    )
    .action(async (o: LimitOptions, cmd: Command) => {
      const { storeLimit } = await import('../store-limit.ts');
      const { seq, event } = await ctx.withLog(cmd, (log) => storeLimit(log, o), { write: true });
      const { describeLimit } = await import('../limit-lines.ts');
      ctx.print(`limits of ${describeLimit(event.data)} in force from seq ${seq}`);
    });
  limits
    .command('show')
    .description('the limits in force, folded from the log')
    .option('--project <project>', 'only this project')
    .option('--pool <pool>', 'only this pool')
    .option('--json', 'print JSON')
    .action(async (o: ShowOptions, cmd: Command) => {
      const { readLimits, describeLimit } = await import('../limit-lines.ts');
      const rows = await ctx.withLog(cmd, (log) => readLimits(log, o.project, o.pool));
      if (o.json === true) {
        ctx.print(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) ctx.print('no limits in force');
      for (const r of rows) ctx.print(`${describeLimit(r.limit)}   (seq ${r.seq})`);
    });
  limits
    .command('clear')
    .description(
      'lift the limits of a project in a pool (of one model with --model), or with --capacity the pool capacity',
    )
    .option('--project <project>', 'the project (tenant)')
    .requiredOption('--pool <pool>', 'the pool')
    .option('--model <model>', 'the model whose limits to lift')
    .option('--capacity', "lift the pool's capacity and reserves (stored on --project's subject)")
    .action(async (o: ClearOptions, cmd: Command) => {
      const { clearLimit } = await import('../store-limit.ts');
      const { seq } = await ctx.withLog(cmd, (log) => clearLimit(log, o), { write: true });
      const what =
        o.capacity === true
          ? `capacity of pool ${o.pool}`
          : `limits of ${o.project ?? ''}/${o.pool}${o.model === undefined ? '' : ` model ${o.model}`}`;
      ctx.print(`${what} cleared at seq ${seq}`);
    });
};
