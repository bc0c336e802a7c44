import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';

/** `fleet cancel`: withdraws a task, queued or running, and says once it took effect. */
export const registerCancel = (program: Command, ctx: CliContext): void => {
  program
    .command('cancel')
    .description(
      'cancel a queued or running task (a running attempt’s handler is aborted at its ' +
        'worker’s next heartbeat); exit 1 when there is no such task or it has ended',
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
        const { cancelConfirmed } = await import('../../client/index.ts');
        const { RefusedError } = await import('../../events/index.ts');
        const { dispatcherServes } = await import('../dispatcher-check.ts');
        const { locateOn } = await import('../locate.ts');
        await ctx.withNats(cmd, async (nc, g) => {
          const place = await locateOn(ctx, nc, g, { task: taskId }, o);
          const doing = 'nothing cancelled';
          await dispatcherServes(nc, place, taskId, { root: g.root, doing });
          const ref = { ...place, taskId, ...(o.reason === undefined ? {} : { reason: o.reason }) };
          try {
            const done = await cancelConfirmed(nc, ref, { root: g.root });
            const running =
              done.was === 'assigned'
                ? '; its running attempt is aborted at its worker’s next heartbeat'
                : '';
            const pending = done.status === 'pending' ? '; not folded yet (see fleet status)' : '';
            ctx.print(
              `cancellation of task ${taskId} stored (seq ${done.seq})${running}${pending}`,
            );
          } catch (e) {
            // An ended task: the refusal is the answer, not a failure of the command.
            if (!(e instanceof RefusedError && e.reason === 'task_ended')) throw e;
            ctx.warn(e.message);
            ctx.exitCode = 1;
          }
        });
      },
    );
};
