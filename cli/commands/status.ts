import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { parseDuration } from '../parse-duration.ts';
import { followWaiting, printOutcome, standing, waitAndPrint } from '../print-outcome.ts';

interface StatusOptions {
  project: string;
  pool: string;
  wait?: boolean;
  waitTimeout: string;
  json?: boolean;
}

/** `fleet status`: where a task stands, or with `--wait` how it ends. */
export const registerStatus = (program: Command, ctx: CliContext): void => {
  program
    .command('status')
    .description('show where a task stands (with --wait, wait for its end: exit 0 if completed)')
    .argument('<taskId>', 'the task')
    .requiredOption('--project <project>', 'the task’s project')
    .requiredOption('--pool <pool>', 'the task’s pool')
    .option('--wait', 'wait until the task ends')
    .option('--wait-timeout <duration>', 'give up waiting after this long', '5m')
    .option('--json', 'print JSON')
    .action(async (taskId: string, o: StatusOptions, cmd: Command) => {
      const { awaitTask, EndStatus, taskStatus } = await import('../../client/index.ts');
      const waitMs = parseDuration(o.waitTimeout, '--wait-timeout');
      await ctx.withNats(cmd, async (nc, g) => {
        const ref = { project: o.project, pool: o.pool, taskId };
        const where = { root: g.root, stream: g.stream };
        if (o.wait === true) {
          const follow = { ...where, onWaiting: followWaiting(ctx) };
          await waitAndPrint(ctx, () => awaitTask(nc, { ...ref, timeoutMs: waitMs }, follow), {
            json: o.json === true,
            extra: { taskId },
          });
          return;
        }
        const now = await taskStatus(nc, ref, where);
        if ((EndStatus as readonly string[]).includes(now.status)) {
          // Ended: read its report too, and exit as --wait would.
          const outcome = await awaitTask(nc, { ...ref, timeoutMs: 0 }, where);
          printOutcome(ctx, outcome, { json: o.json === true, extra: { taskId } });
          ctx.exitCode = outcome.status === 'completed' ? 0 : 1;
          return;
        }
        if (o.json === true) ctx.print(JSON.stringify(now));
        else ctx.print(standing(now));
      });
    });
};
