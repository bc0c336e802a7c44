import type { Command } from 'commander';
import { InvalidInputError } from '../../client/invalid-input-error.ts';
import type { TaskStatus } from '../../domain/pool/index.ts';
import type { PoolId, ProjectId } from '../../events/index.ts';
import { isName } from '../../events/names.ts';
import type { CliContext } from '../cli-context.ts';
import { constraintText } from '../constraint-text.ts';
import { formatList, formatTable } from '../format-table.ts';
import { parseDuration } from '../parse-duration.ts';
import { collect, parseInteger, parseList } from '../parse-options.ts';
import type { TaskCursor, TaskRow } from '../read-tasks.ts';

interface TasksOptions {
  project?: string;
  pool?: string;
  status?: string[];
  label?: string[];
  since?: string;
  until?: string;
  limit: string;
  cursor?: string;
  json?: boolean;
}

const STATUSES: readonly TaskStatus[] = [
  'queued',
  'assigned',
  'completed',
  'failed',
  'cancelled',
  'dead_lettered',
  'timed_out',
];

/** A point in time: an ISO time, or a duration ago (`24h`). */
const timeOf = (text: string, flag: string, now: number): number => {
  if (/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(text.trim()))
    return now - parseDuration(text, flag);
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new InvalidInputError(
      flag,
      `${flag} "${text}": write a time (ISO 8601) or a duration ago, e.g. 24h`,
    );
  return t;
};

const cursorText = (c: TaskCursor): string => `${c.seq}.${c.index}`;
const parseCursor = (text: string): TaskCursor => {
  const m = /^(\d+)\.(\d+)$/.exec(text);
  if (m === null)
    throw new InvalidInputError(
      '--cursor',
      `--cursor "${text}": use the cursor a previous page printed`,
    );
  return { seq: Number(m[1]), index: Number(m[2]) };
};

const rowJson = (r: TaskRow) => ({
  ...r,
  submittedAt: new Date(r.submittedAt).toISOString(),
  endedAt: r.endedAt === null ? null : new Date(r.endedAt).toISOString(),
});

/** `fleet tasks`: lists and searches tasks, newest first, a page at a time. */
export const registerTasks = (program: Command, ctx: CliContext): void => {
  program
    .command('tasks')
    .description(
      'list and search tasks, newest first, folded from the log: by project, pool, status, ' +
        'label and time; a page at a time',
    )
    .option('--project <project>', 'only this project’s tasks (reads only its subjects)')
    .option('--pool <pool>', 'only this pool’s tasks')
    .option(
      '--status <status>',
      `only tasks in this status (repeatable or a,b): ${STATUSES.join(', ')}`,
      collect,
    )
    .option(
      '--label <k[=v]>',
      'only tasks whose label constraints ask for k (accepting v) (repeatable)',
      collect,
    )
    .option(
      '--since <time>',
      'only tasks submitted at or after: an ISO time or a duration ago (24h)',
    )
    .option('--until <time>', 'only tasks submitted before: an ISO time or a duration ago')
    .option('--limit <n>', 'tasks per page (1 to 10000)', '50')
    .option('--cursor <cursor>', 'the page after this one (printed by the previous page)')
    .option('--json', 'print JSON: { tasks, next }')
    .action(async (o: TasksOptions, cmd: Command) => {
      const { pageOf, readTasks } = await import('../read-tasks.ts');
      const { parseLabels } = await import('../parse-labels.ts');
      for (const [flag, name] of [
        ['--project', o.project],
        ['--pool', o.pool],
      ] as const)
        if (name !== undefined && !isName(name))
          throw new InvalidInputError(flag, `${flag} "${name}" is not a ${flag.slice(2)} name`);
      const statuses = parseList(o.status);
      for (const s of statuses)
        if (!(STATUSES as readonly string[]).includes(s))
          throw new InvalidInputError('--status', `--status "${s}": one of ${STATUSES.join(', ')}`);
      // `k` alone asks for any constraint on k: read as k= with no value to test.
      const keysOnly = (o.label ?? []).filter((l) => !l.includes('='));
      const labels = parseLabels((o.label ?? []).filter((l) => l.includes('=')));
      const now = Date.now();
      const limit = parseInteger(o.limit, '--limit', { min: 1, max: 10_000 });
      const after = o.cursor === undefined ? undefined : parseCursor(o.cursor);
      const since = o.since === undefined ? undefined : timeOf(o.since, '--since', now);
      const until = o.until === undefined ? undefined : timeOf(o.until, '--until', now);
      const rows = await ctx.withLog(cmd, (log) =>
        readTasks(log, {
          ...(o.project === undefined ? {} : { project: o.project as ProjectId }),
          ...(o.pool === undefined ? {} : { pool: o.pool as PoolId }),
          statuses: new Set(statuses as TaskStatus[]),
          ...(since === undefined ? {} : { since }),
          ...(until === undefined ? {} : { until }),
          labels,
        }),
      );
      const wanted = rows.filter((r) =>
        keysOnly.every((k) => r.requirements.labels.some((c) => c.key === k)),
      );
      const page = pageOf(wanted, limit, after);
      const next = page.next === null ? null : cursorText(page.next);
      if (o.json === true) {
        ctx.print(JSON.stringify({ tasks: page.rows.map(rowJson), next }, null, 2));
        return;
      }
      if (page.rows.length === 0) {
        ctx.print('no tasks');
        return;
      }
      const header = [
        'TASK',
        'PROJECT',
        'POOL',
        'STATUS',
        'PRIO',
        'ATTEMPTS',
        'SUBMITTED',
        'WORKER',
        'MODELS',
        'REQUIRES',
      ];
      const table = page.rows.map((r) => [
        r.taskId,
        r.project,
        r.pool,
        r.status,
        String(r.priority),
        `${r.attempts}/${r.maxAttempts}`,
        new Date(r.submittedAt).toISOString(),
        r.workerId ?? '-',
        formatList(r.requirements.models ?? [], 'any'),
        formatList(r.requirements.labels.map(constraintText)),
      ]);
      for (const line of formatTable(header, table)) ctx.print(line);
      if (next !== null) ctx.warn(`more: --cursor ${next}`);
    });
};
