import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { parseDuration } from '../parse-duration.ts';
import { followOutput } from '../follow-output.ts';
import { followWaiting, printOutcome, standing, waitAndPrint } from '../print-outcome.ts';

interface StatusOptions {
  project?: string;
  pool?: string;
  wait?: boolean;
  follow?: boolean;
  waitTimeout: string;
  json?: boolean;
}

/** `fleet status`: where a task stands, or with `--wait` how it ends. */
export const registerStatus = (program: Command, ctx: CliContext): void => {
  program
    .command('status')
    .description(
      'show where a task stands, and why it waits (with --wait, wait for its end: exit 0 if ' +
        'completed); exit 1 when there is no such task',
    )
    .argument('<taskId>', 'the task')
    .option('--project <project>', 'the task’s project (default: found from the id)')
    .option('--pool <pool>', 'the task’s pool (default: found from the id)')
    .option('--wait', 'wait until the task ends (on stderr, why it waits and its progress)')
    .option(
      '--follow',
      'as --wait, and print the partial output the task streams as it comes, on stdout',
    )
    .option('--wait-timeout <duration>', 'give up waiting after this long', '5m')
    .option('--json', 'print JSON')
    .action(async (taskId: string, o: StatusOptions, cmd: Command) => {
      const { awaitTask, EndStatus } = await import('../../client/index.ts');
      const { NotFoundError } = await import('../../events/index.ts');
      const { dispatcherServes } = await import('../dispatcher-check.ts');
      const { locateOn } = await import('../locate.ts');
      const waitMs = parseDuration(o.waitTimeout, '--wait-timeout');
      const wait = o.wait === true || o.follow === true;
      await ctx.withNats(cmd, async (nc, g) => {
        const where = { root: g.root, stream: g.stream };
        const place = await locateOn(ctx, nc, g, { task: taskId }, o);
        const ref = { ...place, taskId };
        const now = await dispatcherServes(nc, place, taskId, {
          root: g.root,
          doing: `cannot tell where task ${taskId} stands`,
        });
        // Not known to the dispatcher; with --wait, perhaps not folded yet: wait for it.
        if (now.status === 'unknown' && !wait)
          throw new NotFoundError(
            `no task ${taskId} in project ${place.project}, pool ${place.pool}: ` +
              (now.reason ?? 'not known to the dispatcher'),
          );
        if (wait) {
          const standings = followWaiting(ctx);
          const output = o.follow === true ? followOutput(ctx) : () => undefined;
          const follow = {
            ...where,
            onWaiting: (r: Parameters<typeof standings>[0]) => {
              standings(r);
              output(r);
            },
          };
          await waitAndPrint(ctx, () => awaitTask(nc, { ...ref, timeoutMs: waitMs }, follow), {
            json: o.json === true,
            extra: { taskId },
          });
          return;
        }
        if ((EndStatus as readonly string[]).includes(now.status)) {
          // Ended: read its report too, and exit as --wait would.
          const outcome = await awaitTask(nc, { ...ref, timeoutMs: 0 }, where);
          printOutcome(ctx, outcome, { json: o.json === true, extra: { taskId } });
          ctx.exitCode = outcome.status === 'completed' ? 0 : 1;
          return;
        }
        ctx.print(o.json === true ? JSON.stringify(now) : standing(now));
      });
    });
};
