import type { Command } from 'commander';
import { InvalidInputError } from '../../client/invalid-input-error.ts';
import type { ProjectId } from '../../events/index.ts';
import { isName } from '../../events/names.ts';
import type { FleetStateAt } from '../../projections/audit/index.ts';
import type { CliContext } from '../cli-context.ts';
import { formatLabels, formatList, formatTable } from '../format-table.ts';

interface StateCliOptions {
  at: string;
  project?: string;
  json?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The state for a terminal: workers, queued tasks, assigned tasks, ended counts. */
const formatState = (s: FleetStateAt, asked: string): string[] => {
  const lines = [
    `state at ${asked}: after seq ${s.position}${s.time === undefined ? '' : ` (${s.time})`}` +
      (s.project === undefined ? '' : `, project ${s.project}`),
    '',
    `workers: ${s.workers.length}`,
  ];
  if (s.workers.length > 0)
    lines.push(
      ...formatTable(
        ['WORKER', 'PROJECT', 'POOL', 'STATUS', 'MODELS', 'LABELS', 'RUNTIME', 'HOLDS'],
        s.workers.map((w) => [
          w.workerId,
          w.project,
          w.pool,
          w.status,
          formatList(w.models, 'any'),
          formatLabels(w.labels),
          w.runtime.kind,
          `${w.holds.length}/${w.capacity}${w.holds.length === 0 ? '' : ` ${w.holds.join(',')}`}`,
        ]),
      ),
    );
  lines.push('', `queued tasks: ${s.queued.length}`);
  if (s.queued.length > 0)
    lines.push(
      ...formatTable(
        ['TASK', 'PROJECT', 'POOL', 'PRIORITY', 'ATTEMPTS', 'SUBMITTED'],
        s.queued.map((t) => [
          t.taskId,
          t.project,
          t.pool,
          String(t.priority),
          `${t.attempts}/${t.maxAttempts}`,
          `seq ${t.submittedSeq}`,
        ]),
      ),
    );
  lines.push('', `assigned tasks: ${s.assigned.length}`);
  if (s.assigned.length > 0)
    lines.push(
      ...formatTable(
        ['TASK', 'PROJECT', 'POOL', 'WORKER', 'ATTEMPT', 'ASSIGNED', 'LEASE UNTIL'],
        s.assigned.map((t) => [
          t.taskId,
          t.project,
          t.pool,
          t.workerId,
          `${t.attempt}/${t.maxAttempts}`,
          `seq ${t.assignedSeq}`,
          iso(t.leaseExpiresAt),
        ]),
      ),
    );
  const ended = Object.entries(s.ended).filter(([, n]) => n > 0);
  lines.push(
    '',
    `ended tasks: ${ended.length === 0 ? 'none' : ended.map(([k, n]) => `${k} ${n}`).join(', ')}`,
  );
  return lines;
};

/** `fleet state --at`: the fleet as it stood at a past point, rebuilt from the log. */
export const registerState = (program: Command, ctx: CliContext): void => {
  program
    .command('state')
    .description(
      'rebuild the fleet as it stood at a past point (workers, queued and assigned tasks)',
    )
    .requiredOption('--at <seq|time>', 'a stream sequence, or an ISO time')
    .option('--project <project>', 'only this project’s events')
    .option('--json', 'print JSON')
    .action(async (o: StateCliOptions, cmd: Command) => {
      const { Auditor, fleetStateOf, formatLogPoint, parseLogPoint, readLog } =
        await import('../../projections/audit/index.ts');
      const at = parseLogPoint(o.at, '--at');
      if (o.project !== undefined && !isName(o.project))
        throw new InvalidInputError('--project', `--project "${o.project}" is not a project name`);
      const project = o.project as ProjectId | undefined;
      const state = await ctx.withNats(cmd, async (nc, g) => {
        const log = await ctx.openLog(nc, g);
        const auditor = new Auditor({ to: at, ...(project === undefined ? {} : { project }) });
        await readLog(log, (item) => auditor.add(item), {
          filter: project === undefined ? log.subjects.all() : log.subjects.project(project),
        });
        return fleetStateOf(auditor.state);
      });
      if (o.json === true) ctx.print(JSON.stringify(state, null, 2));
      else for (const line of formatState(state, formatLogPoint(at))) ctx.print(line);
    });
};
