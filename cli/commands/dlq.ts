import type { Command } from 'commander';
import { InvalidInputError } from '../../client/invalid-input-error.ts';
import type { PoolId, ProjectId } from '../../events/index.ts';
import { isName } from '../../events/names.ts';
import type { CliContext } from '../cli-context.ts';
import { formatTable } from '../format-table.ts';
import type { DeadLetter } from '../read-dead-letters.ts';

interface Scope {
  project?: string;
  pool?: string;
}

/** The project and pool options, checked as names. */
const scopeOf = (o: Scope): { project?: ProjectId; pool?: PoolId } => {
  for (const [flag, name] of [
    ['--project', o.project],
    ['--pool', o.pool],
  ] as const)
    if (name !== undefined && !isName(name))
      throw new InvalidInputError(flag, `${flag} "${name}" is not a ${flag.slice(2)} name`);
  return {
    ...(o.project === undefined ? {} : { project: o.project as ProjectId }),
    ...(o.pool === undefined ? {} : { pool: o.pool as PoolId }),
  };
};

const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());

/** `fleet dlq list|show|redrive`: the dead letters, and running them again. */
export const registerDlq = (program: Command, ctx: CliContext): void => {
  const dlq = program
    .command('dlq')
    .description('dead-lettered tasks: list them, show one, run them again (redrive)');

  dlq
    .command('list')
    .description('list the dead-lettered tasks, oldest first, folded from the log')
    .option('--project <project>', 'only this project’s (reads only its subjects)')
    .option('--pool <pool>', 'only this pool’s')
    .option('--json', 'print JSON: { deadLetters }')
    .action(async (o: Scope & { json?: boolean }, cmd: Command) => {
      const { readDeadLetters } = await import('../read-dead-letters.ts');
      const scope = scopeOf(o);
      const letters = await ctx.withLog(cmd, (log) => readDeadLetters(log, scope));
      if (o.json === true) {
        ctx.print(JSON.stringify({ deadLetters: letters.map((l) => l.row) }, null, 2));
        return;
      }
      if (letters.length === 0) {
        ctx.print('no dead letters');
        return;
      }
      const header = ['TASK', 'PROJECT', 'POOL', 'ATTEMPTS', 'SUBMITTED', 'DEAD-LETTERED'];
      const rows = letters.map(({ row: r }) => [
        r.taskId,
        r.project,
        r.pool,
        `${r.attempts}/${r.maxAttempts}`,
        iso(r.submittedAt),
        iso(r.endedAt),
      ]);
      for (const line of formatTable(header, rows)) ctx.print(line);
    });

  dlq
    .command('show')
    .description('one dead-lettered task: its body and its history in the stream')
    .argument('<taskId>', 'the task')
    .option('--project <project>', 'the task’s project (default: found from the id)')
    .option('--pool <pool>', 'the task’s pool (default: found from the id)')
    .action(async (taskId: string, o: Scope, cmd: Command) => {
      const { readDeadLetters, readTaskHistory } = await import('../read-dead-letters.ts');
      const { describeEvent } = await import('../../projections/audit/index.ts');
      const { locate } = await import('../locate.ts');
      const { NotFoundError } = await import('../../events/index.ts');
      scopeOf(o);
      await ctx.withLog(cmd, async (log) => {
        const place = (await locate(log, { task: taskId }, o)) as {
          project: ProjectId;
          pool: PoolId;
        };
        const [letter] = await readDeadLetters(log, { ...place, taskIds: [taskId] });
        if (letter === undefined)
          throw new NotFoundError(
            `task ${taskId} of ${place.project}/${place.pool} is not dead-lettered`,
          );
        const { row, submission } = letter;
        ctx.print(`task ${taskId} of ${row.project}/${row.pool}: dead-lettered`);
        ctx.print(`attempts: ${row.attempts} of ${row.maxAttempts}`);
        ctx.print(`submitted: ${iso(row.submittedAt)} (seq ${row.submittedSeq})`);
        ctx.print(`dead-lettered: ${iso(row.endedAt)}`);
        ctx.print(`payload: ${JSON.stringify(submission.payload)}`);
        ctx.print('history:');
        for (const h of await readTaskHistory(log, place, taskId))
          ctx.print(`  ${h.seq} ${iso(h.at)} ${h.event.type} ${describeEvent(h.event)}`);
      });
    });

  dlq
    .command('redrive')
    .description(
      'run dead-lettered tasks again, each with maxAttempts more attempts (its history stays in the ' +
        'stream): the ids given, or with --all every one the filter names; exit 1 when an id ' +
        'is not dead-lettered',
    )
    .argument('[taskIds...]', 'the tasks to redrive')
    .option('--all', 'every dead letter --project and --pool name (every one without them)')
    .option('--project <project>', 'only this project’s')
    .option('--pool <pool>', 'only this pool’s')
    .option('--reason <text>', 'why, for the record')
    .action(
      async (taskIds: string[], o: Scope & { all?: boolean; reason?: string }, cmd: Command) => {
        const { readDeadLetters } = await import('../read-dead-letters.ts');
        const { redriveTask } = await import('../../client/index.ts');
        const scope = scopeOf(o);
        if ((taskIds.length === 0) === (o.all !== true))
          throw new InvalidInputError(
            'taskIds',
            'name the tasks to redrive, or pass --all (with --project or --pool to narrow it)',
          );
        await ctx.withNats(cmd, async (nc, g) => {
          const log = await ctx.openLog(nc, g);
          const letters: DeadLetter[] = await readDeadLetters(log, {
            ...scope,
            ...(o.all === true ? {} : { taskIds }),
          });
          // Named tasks that are not dead letters are told, and nothing is sent for them.
          const found = new Set(letters.map((l) => l.row.taskId));
          for (const id of taskIds)
            if (!found.has(id)) {
              ctx.warn(`task ${id} is not dead-lettered: not redriven`);
              ctx.exitCode = 1;
            }
          for (const { row, submission } of letters) {
            const { seq } = await redriveTask(nc, submission, {
              root: g.root,
              ...(o.reason === undefined ? {} : { reason: o.reason }),
            });
            ctx.print(
              `redrive of task ${row.taskId} of ${row.project}/${row.pool} stored (seq ${seq})`,
            );
          }
          if (letters.length === 0 && o.all === true) ctx.print('no dead letters to redrive');
        });
      },
    );
};
