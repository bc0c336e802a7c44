import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';

/** `fleet cancel`: asks for a task to be withdrawn. */
export const registerCancel = (program: Command, ctx: CliContext): void => {
  program
    .command('cancel')
    .description('cancel a queued or running task (fleet status tells whether it took effect)')
    .argument('<taskId>', 'the task to cancel')
    .requiredOption('--project <project>', 'the task’s project')
    .requiredOption('--pool <pool>', 'the task’s pool')
    .option('--reason <text>', 'why, for the record')
    .action(
      async (
        taskId: string,
        o: { project: string; pool: string; reason?: string },
        cmd: Command,
      ) => {
        const { cancelTask } = await import('../../client/index.ts');
        const { seq } = await ctx.withNats(cmd, (nc, g) =>
          cancelTask(
            nc,
            {
              project: o.project,
              pool: o.pool,
              taskId,
              ...(o.reason === undefined ? {} : { reason: o.reason }),
            },
            { root: g.root },
          ),
        );
        ctx.print(`cancellation of task ${taskId} stored (seq ${seq})`);
      },
    );
};
