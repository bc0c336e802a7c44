import { demandSignature, waitReasonText } from '../domain/pool/index.ts';
import type { Demand, TaskStatus } from '../domain/pool/index.ts';
import { Labels, ProjectId } from '../events/index.ts';
import type { PoolId, Requirements } from '../events/index.ts';
import type { Scope, WaitingView } from '../projections/index.ts';

/** Which tasks a search asks the task source for; `project` is set for a project's token. */
export interface TaskQuery {
  readonly project?: ProjectId;
  readonly statuses?: ReadonlySet<TaskStatus>;
  readonly labels?: Labels;
}

/** A task as the source lists it (the fields `fleet tasks` reads). */
export interface TaskListRow {
  readonly taskId: string;
  readonly project: string;
  readonly pool: string;
  readonly status: TaskStatus;
  readonly priority: number;
  readonly requirements: Requirements;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly workerId: string | null;
  readonly submittedSeq: number;
  readonly index: number;
  readonly submittedAt: number;
  readonly endedAt: number | null;
}

/** Where the HUD's task list comes from: the tasks of the log now, as their pools judged them. */
export type TaskSource = (query: TaskQuery) => Promise<readonly TaskListRow[]>;

/** Rows of one answer when the search says none, and the most it may ask for. */
export const TASK_PAGE = { default: 50, max: 200 } as const;

const STATUSES: readonly TaskStatus[] = [
  'queued',
  'assigned',
  'completed',
  'failed',
  'cancelled',
  'dead_lettered',
  'timed_out',
];

/** A task search: the source's query, the id text to look for, how many rows at most. */
export interface TaskSearch {
  readonly query: TaskQuery;
  readonly id: string;
  readonly limit: number;
}

/**
 * The search `params` ask for, cut to `scope`: `id` (part of a task id), `status` (one or
 * more, comma-separated), `label` (`key=value`, repeatable: the task's constraints accept it)
 * and `limit` (1 to {@link TASK_PAGE}.max). Returns the refusal's words when a value is wrong.
 */
export const parseTaskSearch = (
  params: URLSearchParams,
  scope: Scope,
): TaskSearch | { readonly refused: string } => {
  const statuses = new Set<TaskStatus>();
  for (const s of (params.get('status') ?? '').split(',').filter((x) => x !== '')) {
    const status = STATUSES.find((known) => known === s);
    if (status === undefined)
      return { refused: `unknown status ${s}: one of ${STATUSES.join(', ')}` };
    statuses.add(status);
  }
  const pairs: [string, string][] = [];
  for (const l of params.getAll('label').filter((x) => x !== '')) {
    const eq = l.indexOf('=');
    if (eq <= 0) return { refused: `label ${l}: say key=value` };
    pairs.push([l.slice(0, eq), l.slice(eq + 1)]);
  }
  const labels = Labels.safeParse(Object.fromEntries(pairs));
  if (!labels.success)
    return { refused: `invalid label: ${labels.error.issues[0]?.message ?? ''}` };
  const rawLimit = params.get('limit');
  const limit = rawLimit === null || rawLimit === '' ? TASK_PAGE.default : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > TASK_PAGE.max)
    return { refused: `limit is a whole number from 1 to ${TASK_PAGE.max}` };
  const id = (params.get('id') ?? '').trim();
  if (id.length > 200) return { refused: 'id is at most 200 characters' };
  return {
    query: {
      ...(scope.kind === 'project' ? { project: ProjectId.parse(scope.project) } : {}),
      ...(statuses.size === 0 ? {} : { statuses }),
      ...(pairs.length === 0 ? {} : { labels: labels.data }),
    },
    id,
    limit,
  };
};

/** A task of the list, and for a queued one why it waits, in the words of `fleet top`. */
export type TaskListEntry = TaskListRow & { readonly waiting?: string };

/**
 * Why a queued task waits: the reason of the projection's waiting group of its demand (its
 * project, pool and requirements), when the groups of that demand say one thing.
 */
const waitingOf = (row: TaskListRow, waiting: readonly WaitingView[]) => {
  const texts = new Set<string>();
  for (const g of waiting) {
    if (g.project !== row.project || g.pool !== row.pool) continue;
    const demand = (requirements: Requirements): Demand => ({
      project: g.project as ProjectId,
      pool: g.pool as PoolId,
      requirements,
      timeoutMs: g.timeoutMs,
    });
    if (demandSignature(demand(g.requirements)) === demandSignature(demand(row.requirements)))
      texts.add(waitReasonText(g.reason));
  }
  const [only, ...others] = texts;
  return others.length === 0 ? only : undefined;
};

/**
 * One answer: the rows of the source matching `search.id`, newest submission first, at most
 * `search.limit`, each queued one with why it waits; `total` counts every match.
 */
export const taskListPage = (
  rows: readonly TaskListRow[],
  search: TaskSearch,
  waiting: readonly WaitingView[],
): { rows: TaskListEntry[]; total: number; limit: number } => {
  const matched = rows
    .filter((r) => search.id === '' || r.taskId.includes(search.id))
    .sort((a, b) => b.submittedSeq - a.submittedSeq || b.index - a.index);
  return {
    rows: matched.slice(0, search.limit).map((r) => {
      const why = r.status === 'queued' ? waitingOf(r, waiting) : undefined;
      return why === undefined ? r : { ...r, waiting: why };
    }),
    total: matched.length,
    limit: search.limit,
  };
};
