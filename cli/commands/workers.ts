import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { formatLabels, formatList, formatTable } from '../format-table.ts';

/** `fleet workers list|revoke`: the workers pools know, and locking one out. */
export const registerWorkers = (program: Command, ctx: CliContext): void => {
  const workers = program.command('workers').description('workers: list, revoke');

  workers
    .command('list')
    .description('list workers with their capabilities and status, folded from the log')
    .option('--project <project>', 'only this project’s workers')
    .option('--pool <pool>', 'only this pool’s workers')
    .option('--json', 'print JSON')
    .action(async (o: { project?: string; pool?: string; json?: boolean }, cmd: Command) => {
      const { readWorkers } = await import('../read-workers.ts');
      const rows = await ctx.withLog(cmd, (log) =>
        readWorkers(log, {
          ...(o.project === undefined ? {} : { project: o.project }),
          ...(o.pool === undefined ? {} : { pool: o.pool }),
        }),
      );
      if (o.json === true) {
        ctx.print(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) {
        ctx.print('no workers');
        return;
      }
      const header = ['WORKER', 'PROJECT', 'POOL', 'STATUS', 'MODELS', 'LABELS', 'RUNTIME'];
      const table = rows.map((w) => [
        w.workerId,
        w.project,
        w.pool,
        w.status,
        formatList(w.models, 'any'),
        formatLabels(w.labels),
        w.runtime.kind,
        `${w.held}/${w.capacity}`,
      ]);
      for (const line of formatTable([...header, 'BUSY'], table)) ctx.print(line);
    });

  workers
    .command('revoke')
    .description('lock a worker out: its claims are refused and its tasks requeued')
    .argument('<workerId>', 'the worker to revoke')
    .option('--project <project>', 'the worker’s project (default: found from the id)')
    .option('--pool <pool>', 'the worker’s pool (default: found from the id)')
    .option('--reason <text>', 'why, for the record')
    .action(
      async (
        workerId: string,
        o: { project?: string; pool?: string; reason?: string },
        cmd: Command,
      ) => {
        const { revokeWorker } = await import('../revoke-worker.ts');
        const { locate } = await import('../locate.ts');
        const { seq } = await ctx.withLog(cmd, async (log) =>
          revokeWorker(log, {
            workerId,
            ...(await locate(log, { worker: workerId }, o)),
            ...(o.reason === undefined ? {} : { reason: o.reason }),
          }),
        );
        ctx.print(`worker ${workerId} revoked (seq ${seq}); it must enroll again with a key`);
      },
    );
};
