import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';

/**
 * `fleet workers drain`: the worker takes no new work, finishes what it holds, then leaves.
 * Added to the `workers` command that `registerWorkers` made.
 */
export const registerWorkersDrain = (program: Command, ctx: CliContext): void => {
  const workers = program.commands.find((c) => c.name() === 'workers');
  if (workers === undefined) throw new Error('register the workers command first');
  workers.description('workers: list, revoke, drain');
  workers
    .command('drain')
    .description(
      'drain a worker: no new work for it; it finishes what it holds, then leaves (an event, ' +
        'worker.draining)',
    )
    .argument('<workerId>', 'the worker to drain')
    .option('--project <project>', 'the worker’s project (needed only if its id is ambiguous)')
    .option('--pool <pool>', 'the worker’s pool (needed only if its id is ambiguous)')
    .option('--json', 'print JSON')
    .action(
      async (
        workerId: string,
        o: { project?: string; pool?: string; json?: boolean },
        cmd: Command,
      ) => {
        const { drainWorker } = await import('../drain-worker.ts');
        const { seq, worker } = await ctx.withLog(cmd, (log) =>
          drainWorker(log, {
            workerId,
            ...(o.project === undefined ? {} : { project: o.project }),
            ...(o.pool === undefined ? {} : { pool: o.pool }),
          }),
        );
        const { project, pool, held } = worker;
        if (o.json === true) ctx.print(JSON.stringify({ workerId, project, pool, seq, held }));
        else
          ctx.print(
            `worker ${workerId} of project ${project}, pool ${pool} draining (seq ${seq}): ` +
              `no new work; it finishes the ${held} attempt${held === 1 ? '' : 's'} it holds, ` +
              'then leaves',
          );
      },
    );
};
