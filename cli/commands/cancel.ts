import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';

/** `fleet cancel`: asks for a task to be withdrawn. */
export const registerCancel = (program: Command, ctx: CliContext): void => {
  program
    .command('cancel')
    .description(
      'cancel a queued or running task (fleet status tells whether it took effect); exit 1 ' +
        'when there is no such task or it has ended',
    )
    .argument('<taskId>', 'the task to cancel')
    .option('--project <project>', 'the task’s project (default: found from the id)')
    .option('--pool <pool>', 'the task’s pool (default: found from the id)')
    .option('--reason <text>', 'why, for the record')
    .action(
      async (
        taskId: string,
        o: { project?: string; pool?: string; reason?: string },
        cmd: Command,
      ) => {
        const { cancelTask, EndStatus } = await import('../../client/index.ts');
        const { NotFoundError } = await import('../../events/index.ts');
        const { dispatcherServes } = await import('../dispatcher-check.ts');
        const { locateOn } = await import('../locate.ts');
        await ctx.withNats(cmd, async (nc, g) => {
          const place = await locateOn(ctx, nc, g, { task: taskId }, o);
          const doing = 'nothing cancelled';
          const now = await dispatcherServes(nc, place, taskId, { root: g.root, doing });
          if (now.status === 'unknown')
            throw new NotFoundError(
              `no task ${taskId} in project ${place.project}, pool ${place.pool}: ${doing}`,
            );
          if ((EndStatus as readonly string[]).includes(now.status)) {
            ctx.warn(`task ${taskId} has ended (${now.status}): ${doing}`);
            ctx.exitCode = 1;
            return;
          }
          const { seq } = await cancelTask(
            nc,
            { ...place, taskId, ...(o.reason === undefined ? {} : { reason: o.reason }) },
            { root: g.root },
          );
          ctx.print(`cancellation of task ${taskId} stored (seq ${seq})`);
        });
      },
    );
};
